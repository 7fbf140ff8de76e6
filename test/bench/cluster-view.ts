/**
 * The cluster view at 1,000 nodes and 10,000 pods, on the local cluster:
 * - connect to complete view: from starting `kubedesk serve` to a WebSocket client holding every
 *   node with its pod count, against `kubectl get pods -A -o json` in the same run (target ≤ 1.5×);
 * - p95 from a pod label change (a PATCH) to the renderer's store in Chromium (target ≤ 250 ms);
 * - the host's peak RSS (target ≤ 300 MB);
 * - the longest renderer task after the first render, in Chromium (target ≤ 100 ms).
 *
 * `npm run bench:cluster-view`. Starts its own cluster and stops it. Prints the figures, then one
 * line of JSON.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { kubeRequest, loadKubeconfig } from '../../src/cluster/index.js';
import type { HostApi, NodeSummary, Update } from '../../src/contract/index.js';
import { createRpcClient, websocketTransport } from '../../src/rpc/index.js';
import { ensureClusterBinaries, startCluster, stopCluster } from '../../src/localcluster/index.js';
import { launchChromium } from '../support/browser.js';
import { findFreePortBase } from '../support/ports.js';
import { freePort, kubedeskBin, track } from '../support/processes.js';

const run = promisify(execFile);
const NODES = 1_000;
const PODS = 10_000;
const CREATE_CONCURRENCY = 48;
const LABEL_CHANGES = 60;
const PORT_BASE_RANGE = [37_000, 38_000] as const;
const ADDRESS_BLOCK = 242;

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const binaries = await ensureClusterBinaries({ onProgress: log });
  const directory = await mkdtemp(join(tmpdir(), 'kubedesk-bench-view-'));
  const cleanups: (() => Promise<void>)[] = [];
  try {
    log(`starting a cluster of ${NODES} nodes…`);
    const cluster = await startCluster({
      binaries,
      directory,
      nodes: NODES,
      portBase: await findFreePortBase(...PORT_BASE_RANGE),
      addressBlock: ADDRESS_BLOCK,
    });
    const config = loadKubeconfig({ path: cluster.kubeconfig }).config;
    await kubeRequest(config, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'bench' } } });

    log(`creating ${PODS} pods (bound to nodes, as after scheduling)…`);
    let next = 0;
    const created = performance.now();
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        for (let index = next++; index < PODS; index = next++) {
          await kubeRequest(config, {
            method: 'POST',
            path: '/api/v1/namespaces/bench/pods',
            body: {
              metadata: { name: `pod-${index}`, labels: { app: `app-${index % 50}`, 'kubedesk.io/app': 'v0' } },
              spec: {
                nodeName: `pi-${(index % NODES) + 1}`,
                containers: [
                  { name: 'main', image: 'registry.local/app:1.0', resources: { requests: { cpu: '10m' } } },
                ],
              },
            },
          });
        }
      }),
    );
    log(`  done in ${((performance.now() - created) / 1000).toFixed(1)} s`);

    const kubectlEnv = { ...process.env, KUBECONFIG: cluster.kubeconfig };
    const kubectlTimes: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = performance.now();
      await run(cluster.kubectl, ['get', 'pods', '-A', '-o', 'json'], { env: kubectlEnv, maxBuffer: 1 << 30 });
      kubectlTimes.push(performance.now() - start);
    }
    const kubectlMs = percentile(kubectlTimes, 0.5);
    log(`kubectl get pods -A -o json: ${kubectlMs.toFixed(0)} ms (median of 3)`);

    // Connect to complete view, through a real host process and a WebSocket client.
    const port = await freePort();
    const started = performance.now();
    const server = spawn(process.execPath, [kubedeskBin, 'serve', '--port', String(port), '--display', 'none'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    track(server);
    cleanups.push(async () => {
      server.kill('SIGTERM');
    });
    await new Promise<void>((resolve) =>
      server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('serving') && resolve()),
    );
    const socket = new WebSocket(`ws://127.0.0.1:${port}/rpc`);
    await new Promise((resolve) => socket.once('open', resolve));
    const client = createRpcClient<HostApi>();
    client.attach(websocketTransport(socket));
    const nodes = new Map<string, NodeSummary>();
    const complete = new Promise<number>((resolve) => {
      client.api.cluster.onNodes((update: Update<NodeSummary>) => {
        const items = update.kind === 'snapshot' ? update.items : update.upserts;
        for (const node of items) {
          nodes.set(node.name, node);
        }
        let pods = 0;
        for (const node of nodes.values()) {
          pods += node.pods;
        }
        if (nodes.size === NODES && pods === PODS) {
          resolve(performance.now());
        }
      });
    });
    const viewMs = (await complete) - started;
    socket.close();
    log(`connect to complete view: ${viewMs.toFixed(0)} ms (${(viewMs / kubectlMs).toFixed(2)} × kubectl)`);

    // The renderer in Chromium, with the cluster panel open on pi-1's pods.
    const chromium = await launchChromium();
    cleanups.push(() => chromium.close());
    const page = await chromium.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.addInitScript(() => {
      const tasks: number[] = [];
      (window as unknown as { longTasks: number[] }).longTasks = tasks;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          tasks.push(entry.duration);
        }
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`http://127.0.0.1:${port}/?inspect`);
    await page.getByRole('button', { name: 'cluster status' }).click();
    await page.locator('[data-node="pi-1"]').click();
    await page.waitForFunction(
      (count) => {
        const store = (
          window as unknown as { kubedeskStore: { getState(): { nodeNames: string[]; podKeys: string[] } } }
        ).kubedeskStore;
        return store.getState().nodeNames.length === count && store.getState().podKeys.length > 0;
      },
      NODES,
      { timeout: 120_000 },
    );
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks.length = 0));

    const podsOnPi1 = await page.evaluate(
      () =>
        (window as unknown as { kubedeskStore: { getState(): { podKeys: string[] } } }).kubedeskStore.getState()
          .podKeys,
    );
    const latencies: number[] = [];
    for (let change = 1; change <= LABEL_CHANGES; change++) {
      const key = podsOnPi1[change % podsOnPi1.length]!;
      const value = `v${change}`;
      const seen = page.evaluate(
        ([podKey, expected]) =>
          new Promise<number>((resolve) => {
            const store = (
              window as unknown as {
                kubedeskStore: {
                  getState(): { pods: Record<string, { app: string | null }> };
                  subscribe(listener: (state: { pods: Record<string, { app: string | null }> }) => void): () => void;
                };
              }
            ).kubedeskStore;
            const check = (state: { pods: Record<string, { app: string | null }> }) => {
              if (state.pods[podKey!]?.app === expected) {
                unsubscribe();
                resolve(performance.timeOrigin + performance.now());
              }
            };
            const unsubscribe = store.subscribe(check);
            check(store.getState());
          }),
        [key, value],
      );
      const [namespace, name] = key.split('/');
      const before = Date.now();
      await kubeRequest(config, {
        method: 'PATCH',
        path: `/api/v1/namespaces/${namespace}/pods/${name}`,
        body: { metadata: { labels: { 'kubedesk.io/app': value } } },
      });
      latencies.push((await seen) - before);
    }
    const longest = await page.evaluate(() => Math.max(0, ...(window as unknown as { longTasks: number[] }).longTasks));
    const rss = await peakRss(server.pid!);

    const result = {
      nodes: NODES,
      pods: PODS,
      connect_to_view_ms: Math.round(viewMs),
      kubectl_get_pods_ms: Math.round(kubectlMs),
      view_to_kubectl_ratio: Number((viewMs / kubectlMs).toFixed(2)),
      label_to_store_p50_ms: Math.round(percentile(latencies, 0.5)),
      label_to_store_p95_ms: Math.round(percentile(latencies, 0.95)),
      host_peak_rss_mb: Math.round(rss / 2 ** 20),
      longest_renderer_task_ms: Math.round(longest),
    };
    log(
      `label change to store p95 ${result.label_to_store_p95_ms} ms (target 250), host peak RSS ${result.host_peak_rss_mb} MB (target 300), longest renderer task ${result.longest_renderer_task_ms} ms (target 100)`,
    );
    console.log(JSON.stringify(result));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    await stopCluster(directory, { binaries }).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
