import type { CapabilityHealth, HealthState } from '../../src/contract/index';

/** The worst state wins: one capability down makes the whole pill red. */
const SEVERITY: Record<HealthState, number> = { ok: 0, starting: 1, degraded: 2, down: 3 };

export function overallState(health: CapabilityHealth[]): HealthState | 'unknown' {
  let worst: HealthState | 'unknown' = 'unknown';
  for (const entry of health) {
    if (worst === 'unknown' || SEVERITY[entry.state] > SEVERITY[worst]) {
      worst = entry.state;
    }
  }
  return worst;
}

export const STATE_LABELS: Record<HealthState | 'unknown', string> = {
  ok: 'All good',
  starting: 'Starting',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'No status yet',
};
