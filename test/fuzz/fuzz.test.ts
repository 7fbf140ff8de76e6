/**
 * The fuzz targets with a few thousand generated inputs each, so `npm test` catches a decoder that
 * crashes, hangs or answers bad input without a clear error. `npm run test:reliability` runs the
 * same targets with 100,000 inputs each (test/fuzz/reliability.ts).
 */
import { describe, expect, it } from 'vitest';
import { fuzzTargets } from './targets.js';

/** Enough to reach every branch of the generators; small enough for two shared cores. */
const RUNS = 2_000;

describe('bad input from outside is refused clearly, without a crash or a hang', () => {
  for (const [target, fuzz] of Object.entries(fuzzTargets)) {
    it(`${target}: ${RUNS} generated inputs`, async () => {
      const figures = await fuzz({ runs: RUNS });
      expect(figures.examples).toEqual([]);
      expect(figures.failures).toBe(0);
      expect(figures.inputs).toBe(RUNS);
    }, 120_000);
  }
});
