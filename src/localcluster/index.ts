/**
 * The local Kubernetes cluster for the demo and the tests: a real control plane built from Go
 * modules (test/cluster), with KWOK simulating the Raspberry Pis. This module builds the binaries
 * (cached), and starts, stops and inspects clusters through `kubedesk-cluster`. Every process is
 * started with an argument array, never through a shell. See docs/local-cluster.md.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A build folder of test/cluster/build.sh. */
export interface ClusterBinaries {
  directory: string;
  /** The multi-call binary: etcd, kube-apiserver, …, up, down, status. */
  clusterBinary: string;
  /** A kubectl of the cluster's own version (a link to clusterBinary). */
  kubectl: string;
  kwok: string;
  build: BuildRecord;
}

/** build.json of a build folder. */
export interface BuildRecord {
  kubernetes_version: string;
  kwok_version: string;
  inputs_hash: string;
  go_version: string;
  built_at: string;
  build_seconds: number;
  compiled_packages: number;
  total_packages: number;
}

export interface StartClusterOptions {
  /** Cluster directory (default ~/.cache/kubedesk/run/default). */
  directory?: string;
  /** Simulated Pis, pi-1 … pi-N (default 4). */
  nodes?: number;
  /** First of the cluster's 7 ports on 127.0.0.1; the API server listens on it (default 16443). */
  portBase?: number;
  /** Second octet where the cluster's loopback node and pod addresses start (default 1). */
  addressBlock?: number;
  /** Give up (and stop everything) after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Progress lines of the build and of `up`. */
  onProgress?: (line: string) => void;
  /** Binaries to use; built (or found in the cache) when absent. */
  binaries?: ClusterBinaries;
  /**
   * Stop the cluster when the process with this pid ends (within a second), however it ends, even
   * by SIGKILL: what a test run passes with its own pid.
   */
  stopWithPid?: number;
}

/** What `kubedesk-cluster up --json` reports. */
export interface RunningCluster {
  directory: string;
  kubeconfig: string;
  /** https://127.0.0.1:<port base> */
  server: string;
  nodes: number;
  portBase: number;
  addressBlock: number;
  kubectl: string;
  /** How long `up` took. */
  seconds: number;
  /** True when a cluster with these settings was already running there. */
  alreadyUp: boolean;
}

export interface ComponentStatus {
  name: string;
  pid: number;
  port: number;
  running: boolean;
  healthy: boolean;
  health: string;
}

/** What `kubedesk-cluster status --json` reports. */
export interface ClusterStatus {
  directory: string;
  running: boolean;
  healthy: boolean;
  phase: string;
  summary: string;
  kubeconfig?: string;
  nodes?: number;
  portBase?: number;
  components?: ComponentStatus[];
}

/** Where `up` puts a cluster unless told otherwise, as the Go side computes it. */
export function defaultClusterDirectory(): string {
  return join(cacheRoot(), 'run', 'default');
}

/** ~/.cache/kubedesk, or KUBEDESK_CACHE_DIR. */
export function cacheRoot(): string {
  return process.env.KUBEDESK_CACHE_DIR || join(homedir(), '.cache', 'kubedesk');
}

/** test/cluster/build.sh of this checkout. */
export function buildScript(): string {
  return join(packageRoot(), 'test', 'cluster', 'build.sh');
}

/** Runs the build script (a cache hit returns in about a second) and describes the result. */
export async function ensureClusterBinaries(
  options: { onProgress?: (line: string) => void } = {},
): Promise<ClusterBinaries> {
  const result = await run('bash', [buildScript()], { onStderrLine: options.onProgress });
  if (result.code !== 0) {
    throw new Error(`building the local cluster failed (exit ${result.code}):\n${tail(result.stderr)}`);
  }
  const directory = result.stdout.trim().split('\n').pop() ?? '';
  if (directory === '') {
    throw new Error(`the build script printed no folder; its output:\n${tail(result.stderr)}`);
  }
  return describeBinaries(directory);
}

/** Reads a build folder's record; throws naming the folder when it is not a complete build. */
export async function describeBinaries(directory: string): Promise<ClusterBinaries> {
  let build: BuildRecord;
  try {
    build = JSON.parse(await readFile(join(directory, 'build.json'), 'utf8')) as BuildRecord;
  } catch (error) {
    throw new Error(`${directory} is not a complete cluster build (build.json: ${(error as Error).message})`, {
      cause: error,
    });
  }
  return {
    directory,
    clusterBinary: join(directory, 'kubedesk-cluster'),
    kubectl: join(directory, 'kubectl'),
    kwok: join(directory, 'kwok'),
    build,
  };
}

/** Starts a cluster (or finds the same one running) and resolves once every node is Ready. */
export async function startCluster(options: StartClusterOptions = {}): Promise<RunningCluster> {
  const binaries = options.binaries ?? (await ensureClusterBinaries({ onProgress: options.onProgress }));
  const args = ['up', '--json'];
  if (options.directory !== undefined) {
    args.push('--dir', options.directory);
  }
  if (options.nodes !== undefined) {
    args.push('--nodes', String(options.nodes));
  }
  if (options.portBase !== undefined) {
    args.push('--port-base', String(options.portBase));
  }
  if (options.addressBlock !== undefined) {
    args.push('--address-block', String(options.addressBlock));
  }
  if (options.stopWithPid !== undefined) {
    args.push('--stop-with-pid', String(options.stopWithPid));
  }
  if (options.timeoutMs !== undefined) {
    args.push('--timeout', `${Math.ceil(options.timeoutMs / 1000)}s`);
  }
  const result = await run(binaries.clusterBinary, args, { onStderrLine: options.onProgress });
  if (result.code !== 0) {
    throw new Error(`kubedesk-cluster up failed (exit ${result.code}):\n${tail(result.stderr)}`);
  }
  return JSON.parse(lastLine(result.stdout)) as RunningCluster;
}

/** Stops the cluster in `directory`; resolves once no process and no port of it is left. */
export async function stopCluster(
  directory: string = defaultClusterDirectory(),
  options: { binaries?: ClusterBinaries; onProgress?: (line: string) => void } = {},
): Promise<void> {
  const binaries = options.binaries ?? (await ensureClusterBinaries());
  const result = await run(binaries.clusterBinary, ['down', '--dir', directory], {
    onStderrLine: options.onProgress,
  });
  if (result.code !== 0) {
    throw new Error(`kubedesk-cluster down failed (exit ${result.code}):\n${tail(result.stderr)}`);
  }
}

/**
 * Stops the API server of the cluster in `directory`, keeps it down for `downForMs`, starts it
 * again, and resolves once it is healthy: what reliability tests put clients through.
 */
export async function restartApiServer(
  directory: string,
  options: { downForMs?: number; binaries?: ClusterBinaries } = {},
): Promise<void> {
  const binaries = options.binaries ?? (await ensureClusterBinaries());
  const result = await run(
    binaries.clusterBinary,
    ['restart-apiserver', '--dir', directory, '--down-for', `${options.downForMs ?? 0}ms`],
    {},
  );
  if (result.code !== 0) {
    throw new Error(`kubedesk-cluster restart-apiserver failed (exit ${result.code}):\n${tail(result.stderr)}`);
  }
}

/** What runs in `directory`, component by component. */
export async function clusterStatus(
  directory: string = defaultClusterDirectory(),
  options: { binaries?: ClusterBinaries } = {},
): Promise<ClusterStatus> {
  const binaries = options.binaries ?? (await ensureClusterBinaries());
  // Exit 1 (nothing runs) and 3 (not all healthy) still print the report.
  const result = await run(binaries.clusterBinary, ['status', '--json', '--dir', directory], {});
  if (result.stdout.trim() === '') {
    throw new Error(`kubedesk-cluster status printed nothing (exit ${result.code}):\n${tail(result.stderr)}`);
  }
  return JSON.parse(result.stdout) as ClusterStatus;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end with an argument array. Progress goes to stderr line by line; the
 * result (a path, a JSON object) to stdout. A signal ends it like a failure with code 128+n.
 */
function run(program: string, args: string[], options: { onStderrLine?: (line: string) => void }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = keepTail(stderr + chunk);
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        options.onStderrLine?.(line);
      }
    });
    child.once('error', (error) => reject(new Error(`cannot run ${program}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (partial !== '') {
        options.onStderrLine?.(partial);
      }
      resolve({ code: code ?? 128 + signalNumber(signal), stdout, stderr });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15;
}

/** Error output kept per run: enough for a failure message, bounded for a chatty build. */
const OUTPUT_LIMIT_CHARS = 64 * 1024;

function keepTail(text: string): string {
  return text.length > OUTPUT_LIMIT_CHARS ? text.slice(-OUTPUT_LIMIT_CHARS) : text;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/**
 * The project's root folder: the nearest folder above this module whose package.json is
 * Kubedesk's. Walked up because this file runs from `src/` (tests) and from `dist/src/`.
 */
function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === 'kubedesk') {
        return folder;
      }
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error(`cannot find the kubedesk package root above ${fileURLToPath(import.meta.url)}`);
    }
    folder = parent;
  }
}
