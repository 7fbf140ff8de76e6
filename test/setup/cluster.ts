/**
 * Vitest global setup of the integration project: ONE local cluster per test run, shared by every
 * `*.integration.test.ts` file (docs/local-cluster.md). The cluster gets its own directory, a free
 * port base and its own loopback address block, so it runs beside a developer's default cluster
 * and beside another test run. Tests read it with `inject('localCluster')`, and `KUBECONFIG`
 * points at it. Each test file works in its own namespace.
 *
 * The cluster is stopped in the teardown (its logs are copied to test-results/local-cluster-logs
 * first), from exit and signal hooks should the run be interrupted, and by the cluster itself
 * when this process ends in a way no hook sees (`--stop-with-pid`).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureClusterBinaries, startCluster, stopCluster } from '../../src/localcluster/index.js';

/** What the integration tests get through `inject('localCluster')`. */
export interface LocalClusterInfo {
  directory: string;
  kubeconfig: string;
  server: string;
  /** kubectl of the cluster's own version. */
  kubectl: string;
  /** kubedesk-cluster, for tests that start a second cluster. */
  clusterBinary: string;
  nodes: number;
  portBase: number;
  addressBlock: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localCluster: LocalClusterInfo;
  }
}

/** Ports one cluster uses from its port base (see test/cluster/layout.go). */
const CLUSTER_PORT_COUNT = 7;
/** Port bases are drawn from here, away from the default cluster's 16443 and from ephemeral ports. */
const PORT_BASE_LOWEST = 20_000;
const PORT_BASE_HIGHEST = 30_000;
/** Address blocks are drawn from here; the default cluster uses 1 (127.1.x.x and 127.2.x.x). */
const ADDRESS_BLOCK_LOWEST = 100;
const ADDRESS_BLOCK_HIGHEST = 240;
const START_ATTEMPTS = 3;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port base whose 7 ports are free now (tests that start a cluster of their own use it too). */
export async function findFreePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = PORT_BASE_LOWEST + 10 * Math.floor((Math.random() * (PORT_BASE_HIGHEST - PORT_BASE_LOWEST)) / 10);
    const ports = Array.from({ length: CLUSTER_PORT_COUNT }, (_, offset) => base + offset);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) {
      return base;
    }
  }
  throw new Error(`found no ${CLUSTER_PORT_COUNT} free ports in ${PORT_BASE_LOWEST}-${PORT_BASE_HIGHEST}`);
}

/** An address block unlikely to be in use by another cluster of this machine. */
export function randomAddressBlock(): number {
  return ADDRESS_BLOCK_LOWEST + Math.floor(Math.random() * (ADDRESS_BLOCK_HIGHEST - ADDRESS_BLOCK_LOWEST));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`[local cluster] ${line}\n`);
  const binaries = await ensureClusterBinaries({ onProgress: log });
  const directory = await mkdtemp(join(tmpdir(), 'kubedesk-test-cluster-'));

  // Stops the cluster synchronously: the only kind of work an `exit` handler may do.
  const stopNow = () => {
    spawnSync(binaries.clusterBinary, ['down', '--dir', directory], { stdio: 'ignore', timeout: 90_000 });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopNow();
    process.kill(process.pid, signal);
  };
  process.once('exit', stopNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, onSignal);
  }

  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const portBase = await findFreePortBase();
    try {
      const cluster = await startCluster({
        binaries,
        directory,
        nodes: 4,
        portBase,
        addressBlock: randomAddressBlock(),
        // Even if this run is killed outright, the cluster stops within a second.
        stopWithPid: process.pid,
        onProgress: log,
      });
      log(`ready in ${cluster.seconds.toFixed(1)} s: ${cluster.server}, kubeconfig ${cluster.kubeconfig}`);
      process.env.KUBECONFIG = cluster.kubeconfig;
      project.provide('localCluster', {
        directory,
        kubeconfig: cluster.kubeconfig,
        server: cluster.server,
        kubectl: cluster.kubectl,
        clusterBinary: binaries.clusterBinary,
        nodes: cluster.nodes,
        portBase: cluster.portBase,
        addressBlock: cluster.addressBlock,
      });
      lastError = undefined;
      break;
    } catch (error) {
      // Another process may have taken a port between the check and `up`: try other ports.
      lastError = error;
      log(`attempt ${attempt} failed: ${(error as Error).message}`);
    }
  }
  if (lastError !== undefined) {
    throw lastError;
  }

  return async () => {
    process.off('exit', stopNow);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.off(signal, onSignal);
    }
    try {
      await cp(join(directory, 'logs'), join('test-results', 'local-cluster-logs'), { recursive: true, force: true });
    } catch {
      // no logs to keep
    }
    await stopCluster(directory, { binaries, onProgress: log });
    await rm(directory, { recursive: true, force: true });
  };
}
