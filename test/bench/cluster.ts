/**
 * How long the local cluster takes: the cold build (everything compiled from source), a warm
 * start of the default 4-Pi cluster, and a start of 1,000 Pis.
 *
 * `npm run bench:cluster`. The cold build is not measured again when the cache holds the record
 * of one (`~/.cache/kubedesk/cluster/cold-build.json`, written by build.sh whenever a build
 * compiled nearly every package); otherwise it is measured with an empty Go build cache in a
 * temporary folder, which takes about ten minutes on 2 cores. `--measure-cold-build` forces it.
 * Each start is measured from `up` to every node Ready (and the default ServiceAccounts there),
 * on ports and addresses of its own, and is stopped again. Prints figures, then one line of JSON.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BuildRecord,
  type ClusterBinaries,
  buildScript,
  cacheRoot,
  ensureClusterBinaries,
  startCluster,
  stopCluster,
} from '../../src/localcluster/index.js';

/** Away from the default cluster (16443) and from the test runs' port bases (20000-30000). */
const BENCH_PORT_BASE = 31_000;
const WARM_STARTS = 3;

async function recordedColdBuild(): Promise<BuildRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(cacheRoot(), 'cluster', 'cold-build.json'), 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
}

/** Runs build.sh with an empty Go build cache and an empty binary cache: what a fresh machine does. */
async function measureColdBuild(): Promise<BuildRecord> {
  const scratch = await mkdtemp(join(tmpdir(), 'kubedesk-cold-build-'));
  try {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('bash', [buildScript()], {
        env: { ...process.env, GOCACHE: join(scratch, 'go-build'), KUBEDESK_CACHE_DIR: join(scratch, 'kubedesk') },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`cold build exited with ${code}`))));
    });
    const seconds = (performance.now() - started) / 1000;
    const record = JSON.parse(
      await readFile(join(scratch, 'kubedesk', 'cluster', 'cold-build.json'), 'utf8'),
    ) as BuildRecord;
    return { ...record, build_seconds: Math.round(seconds) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function timedStart(binaries: ClusterBinaries, nodes: number, portBase: number, addressBlock: number) {
  const directory = await mkdtemp(join(tmpdir(), `kubedesk-bench-${nodes}-`));
  try {
    const started = performance.now();
    await startCluster({
      binaries,
      directory,
      nodes,
      portBase,
      addressBlock,
      timeoutMs: 15 * 60_000,
      stopWithPid: process.pid,
    });
    const seconds = (performance.now() - started) / 1000;
    const stopStarted = performance.now();
    await stopCluster(directory, { binaries });
    return { seconds, stopSeconds: (performance.now() - stopStarted) / 1000 };
  } finally {
    await stopCluster(directory, { binaries }).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  }
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

async function main(): Promise<void> {
  const forceCold = process.argv.includes('--measure-cold-build');
  let cold = forceCold ? undefined : await recordedColdBuild();
  const coldMeasuredNow = cold === undefined;
  if (cold === undefined) {
    console.error('measuring a cold build (empty Go build cache); this takes a while…');
    cold = await measureColdBuild();
  }

  const cachedStarted = performance.now();
  const binaries = await ensureClusterBinaries();
  const cachedBuildSeconds = (performance.now() - cachedStarted) / 1000;

  const warm: number[] = [];
  const stops: number[] = [];
  for (let index = 0; index < WARM_STARTS; index++) {
    const result = await timedStart(binaries, 4, BENCH_PORT_BASE, 200);
    warm.push(result.seconds);
    stops.push(result.stopSeconds);
  }
  const large = await timedStart(binaries, 1000, BENCH_PORT_BASE + 10, 210);
  const warmMedian = [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)] ?? Number.NaN;

  console.log(
    `cold build:           ${cold.build_seconds} s (${cold.compiled_packages} of ${cold.total_packages} packages, ` +
      `${coldMeasuredNow ? 'measured now' : `recorded ${cold.built_at}`}, ${cold.go_version})`,
  );
  console.log(`cached build check:   ${round(cachedBuildSeconds)} s`);
  console.log(
    `warm start, 4 Pis:    ${warm.map((seconds) => round(seconds)).join(' s, ')} s (median ${round(warmMedian)} s)`,
  );
  console.log(`down, 4 Pis:          ${stops.map((seconds) => round(seconds)).join(' s, ')} s`);
  console.log(`start, 1,000 Pis:     ${round(large.seconds)} s (down ${round(large.stopSeconds)} s)`);
  console.log(
    JSON.stringify({
      cold_build_s: cold.build_seconds,
      cold_build_measured_now: coldMeasuredNow,
      cached_build_check_s: round(cachedBuildSeconds),
      warm_start_s: round(warmMedian),
      down_s: round(Math.max(...stops)),
      start_1000_nodes_s: round(large.seconds),
      down_1000_nodes_s: round(large.stopSeconds),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
