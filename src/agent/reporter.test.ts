import { describe, expect, it } from 'vitest';
import { REFRESH_MS, ReportPolicy, type Readings } from './reporter.js';

const at = (temperatureCelsius: number | null, throttled: string | null = '0x0'): Readings => ({
  temperatureCelsius,
  throttled,
  model: 'Raspberry Pi 4 Model B Rev 1.4',
});

describe('the agent report policy', () => {
  it('writes the first reading, then only on a change of 1 °C or once a minute', () => {
    const policy = new ReportPolicy();
    const writes: number[] = [];
    const readings = [50, 50.4, 50.9, 49.2, 51.1, 51.5, 51.9, 52.05];
    readings.forEach((celsius, index) => {
      const now = index * 5_000;
      if (policy.due(at(celsius), now)) {
        policy.wrote(at(celsius), now);
        writes.push(celsius);
      }
    });
    // 49.2 is 0.8 below 50 (not due), 51.1 is 1.1 above 50 (due), 52.05 is 0.95 above 51.1.
    expect(writes).toEqual([50, 51.1]);
    expect(policy.due(at(51.2), 5_000 * 7 + 1)).toBe(false);
    expect(policy.due(at(51.2), 5_000 * 4 + REFRESH_MS)).toBe(true);
  });

  it('writes at once when throttling starts or the sensor disappears', () => {
    const policy = new ReportPolicy();
    policy.wrote(at(60), 0);
    expect(policy.due(at(60, '0x50005'), 1)).toBe(true);
    expect(policy.due(at(null), 1)).toBe(true);
    expect(policy.due(at(60.5), 1)).toBe(false);
  });
});
