import { useState } from 'react';
import { Power, PowerOff, RotateCcw, TriangleAlert } from 'lucide-react';
import { api } from '../connection';
import { useStore } from '../store/index';

/** On the node card, next to Ready: the port's state, a mismatch, or the operation under way. */
export function NodePowerBadge({ name }: { name: string }) {
  const entry = useStore((state) => state.power[name]);
  if (!entry || entry.port === null) {
    return null;
  }
  const operation = entry.operation;
  const busy = operation !== null && operation.phase !== 'done' && operation.phase !== 'failed';
  const state = entry.on === null ? 'unknown' : entry.on ? 'on' : 'off';
  return (
    <span
      className={`node-badge power power-${state}${entry.mismatch ? ' mismatch' : ''}`}
      data-power={state}
      data-power-mismatch={entry.mismatch ? 'true' : undefined}
      title={entry.mismatch ?? (busy ? operation.message : `port ${entry.port}: ${state}`)}
    >
      {entry.mismatch ? <TriangleAlert size={14} /> : state === 'off' ? <PowerOff size={14} /> : <Power size={14} />}
      {busy ? operation.phase.replace(/-/g, ' ') : state}
    </span>
  );
}

/** In the node's details: power on, off and cycle, with what the last operation did. */
export function NodePowerControls({ name }: { name: string }) {
  const entry = useStore((state) => state.power[name]);
  const hasPower = useStore((state) => state.info?.capabilities.includes('power') ?? false);
  const [error, setError] = useState<string | null>(null);
  if (!hasPower || !entry || entry.port === null) {
    return null;
  }
  const operation = entry.operation;
  const busy = operation !== null && operation.phase !== 'done' && operation.phase !== 'failed';
  const run = (action: () => Promise<unknown>) => {
    setError(null);
    action().catch((failure: Error) => setError(failure.message));
  };
  return (
    <div className="detail-section node-power" aria-label={`power of ${name}`}>
      <div className="detail-title">Power · port {entry.port}</div>
      <div className="node-power-buttons">
        <button type="button" disabled={busy || entry.on === true} onClick={() => run(() => api.power.powerOn(name))}>
          <Power size={16} /> On
        </button>
        <button type="button" disabled={busy || entry.on === false} onClick={() => run(() => api.power.powerOff(name))}>
          <PowerOff size={16} /> Off
        </button>
        <button type="button" disabled={busy || entry.on === false} onClick={() => run(() => api.power.cycle(name))}>
          <RotateCcw size={16} /> Cycle
        </button>
      </div>
      {operation ? (
        <p className={`node-power-status phase-${operation.phase}`} role="status" data-power-phase={operation.phase}>
          {operation.message}
          {operation.drain && operation.phase === 'draining' ? (
            <progress max={Math.max(1, operation.drain.total)} value={operation.drain.evicted} />
          ) : null}
        </p>
      ) : null}
      {entry.mismatch ? <p className="node-power-mismatch">{entry.mismatch}</p> : null}
      {error && error !== operation?.message ? <p className="display-error">{error}</p> : null}
    </div>
  );
}
