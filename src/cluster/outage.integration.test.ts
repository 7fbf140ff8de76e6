/**
 * The API server goes away for 10 s and comes back: the view says so, then recovers by itself
 * with exactly the nodes the cluster has, none twice and none missing, including the changes made
 * while it was away. The outage is a real TCP proxy in front of the API server that drops every
 * connection and refuses new ones, as a client sees a restarting API server.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus, NodeSummary, Update } from '../contract/index.js';
import { HealthBoard } from '../system/index.js';
import { adminConfig, kubeconfigPath } from '../../test/support/kube.js';
import { createCluster, kubeRequest, type Cluster } from './index.js';

const OUTAGE_MS = 10_000;

/** A TCP proxy to the API server that can be taken down and brought back on the same port. */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  async function up(): Promise<void> {
    server = createServer((client) => {
      const upstream = connect(target);
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop);
      upstream.on('error', drop);
      client.on('close', drop);
      upstream.on('close', drop);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  }
  await up();
  return {
    port: () => port,
    up,
    async down(): Promise<void> {
      // close() waits for open connections: cut them first, as a dying API server would.
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const socket of sockets) {
        socket.destroy();
      }
      sockets.clear();
      await closed;
    },
  };
}

describe('an API server outage', () => {
  let cluster: Cluster;
  let folder: string;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const nodes = new Map<string, NodeSummary>();
  const states: ClusterStatus['state'][] = [];

  beforeAll(async () => {
    const server = new URL(adminConfig().getCurrentCluster()!.server);
    proxy = await startProxy({ host: server.hostname, port: Number(server.port) });
    folder = await mkdtemp(join(tmpdir(), 'kubedesk-outage-'));
    const kubeconfig = (await readFile(kubeconfigPath(), 'utf8')).replace(
      server.origin,
      `https://127.0.0.1:${proxy.port()}`,
    );
    await writeFile(join(folder, 'kubeconfig'), kubeconfig);
    cluster = createCluster({
      health: new HealthBoard(),
      kubeconfig: { path: join(folder, 'kubeconfig') },
      metrics: false,
    });
    cluster.api.onStatus((status) => states.push(status.state));
    cluster.api.onNodes((update: Update<NodeSummary>) => {
      if (update.kind === 'snapshot') {
        nodes.clear();
      }
      for (const node of update.kind === 'snapshot' ? update.items : update.upserts) {
        nodes.set(node.name, node);
      }
      for (const name of update.kind === 'delta' ? update.removals : []) {
        nodes.delete(name);
      }
    });
  });

  afterAll(async () => {
    cluster?.dispose();
    await kubeRequest(adminConfig(), { method: 'DELETE', path: '/api/v1/nodes/outage-node' }).catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  });

  it('shows reconnecting, then exactly the nodes the cluster has, changes made meanwhile included', async () => {
    await expect.poll(() => nodes.size, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    await proxy.down();
    await expect.poll(() => states.at(-1), { timeout: 15_000 }).toBe('reconnecting');

    // While the view is cut off, the cluster changes: a node comes, a node's label changes.
    const admin = adminConfig();
    await kubeRequest(admin, {
      method: 'POST',
      path: '/api/v1/nodes',
      body: { metadata: { name: 'outage-node', labels: { 'kubernetes.io/arch': 'arm64' } } },
    });
    await kubeRequest(admin, {
      method: 'PATCH',
      path: '/api/v1/nodes/pi-4',
      body: { metadata: { labels: { 'kubedesk.io/hdmi': 'connected' } } },
    });
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    expect(nodes.has('outage-node')).toBe(false);

    await proxy.up();
    await expect.poll(() => states.at(-1), { timeout: 30_000 }).toBe('live');
    const actual = await kubeRequest<{ items: { metadata: { name: string } }[] }>(admin, { path: '/api/v1/nodes' });
    await expect
      .poll(() => [...nodes.keys()].sort(), { timeout: 30_000 })
      .toEqual(actual.items.map((node) => node.metadata.name).sort());
    expect(nodes.get('pi-4')?.hdmi).toBe('connected');

    // And it stays live: a change after the outage arrives as usual.
    await kubeRequest(admin, { method: 'DELETE', path: '/api/v1/nodes/outage-node' });
    await expect.poll(() => nodes.has('outage-node'), { timeout: 15_000 }).toBe(false);
    await kubeRequest(admin, {
      method: 'PATCH',
      path: '/api/v1/nodes/pi-4',
      body: { metadata: { labels: { 'kubedesk.io/hdmi': null } } },
    });
  });
});
