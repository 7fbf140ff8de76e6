/**
 * `npm run test:reliability`, fuzzing part: every target of test/fuzz/targets.ts with at least
 * 100,000 generated inputs (more with `--runs N`; `--seed N` replays a run). Prints the figures
 * per target and in total, and exits 1 if any input failed.
 */
import { fuzzTargets, type FuzzFigures } from './targets.js';

const DEFAULT_RUNS = 100_000;

function option(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) {
    return undefined;
  }
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`--${name} needs a whole number, not ${JSON.stringify(process.argv[index + 1])}`);
  }
  return value;
}

async function main(): Promise<number> {
  const runs = option('runs') ?? DEFAULT_RUNS;
  const seed = option('seed') ?? Date.now() % 2 ** 31;
  console.log(`fuzzing: ${runs.toLocaleString('en')} inputs per target, seed ${seed}`);
  const all: FuzzFigures[] = [];
  for (const [target, fuzz] of Object.entries(fuzzTargets)) {
    const figures = await fuzz({ runs, seed });
    all.push(figures);
    const perSecond = Math.round(figures.inputs / (figures.milliseconds / 1000));
    console.log(
      `${target}: fuzz inputs tried ${figures.inputs.toLocaleString('en')}, failures ${figures.failures} ` +
        `(${(figures.milliseconds / 1000).toFixed(1)} s, ${perSecond.toLocaleString('en')} inputs/s)`,
    );
    for (const example of figures.examples) {
      console.log(`  ${example}`);
    }
  }
  const inputs = all.reduce((sum, figures) => sum + figures.inputs, 0);
  const failures = all.reduce((sum, figures) => sum + figures.failures, 0);
  console.log(`fuzz inputs tried: ${inputs.toLocaleString('en')}`);
  console.log(`failures: ${failures}`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
