import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeSummary, PodSummary, Update } from '../contract/index.js';
import { HealthBoard } from '../system/index.js';
import { createCluster, kubeRequest, loadKubeconfig, type Cluster } from './index.js';
import { kubeconfigPath, testNamespace } from '../../test/support/kube.js';

/** Applies snapshot and delta updates the way the renderer store does. */
function collect<T>(key: (item: T) => string) {
  const items = new Map<string, T>();
  let updates = 0;
  return {
    items,
    updates: () => updates,
    apply(update: Update<T>) {
      updates++;
      if (update.kind === 'snapshot') {
        items.clear();
        for (const item of update.items) {
          items.set(key(item), item);
        }
        return;
      }
      for (const item of update.upserts) {
        items.set(key(item), item);
      }
      for (const name of update.removals) {
        items.delete(name);
      }
    },
  };
}

describe('the cluster capability on the local cluster', () => {
  let cluster: Cluster;
  const config = () => loadKubeconfig({ path: kubeconfigPath() }).config;

  beforeAll(() => {
    cluster = createCluster({ health: new HealthBoard(), kubeconfig: { path: kubeconfigPath() }, metrics: false });
  });
  afterAll(() => cluster.dispose());

  it('shows the four Pis with their model, arch and capacity', async () => {
    const view = collect<NodeSummary>((node) => node.name);
    const subscription = cluster.api.onNodes(view.apply);
    await expect
      .poll(() => [...view.items.keys()].sort(), { timeout: 30_000 })
      .toEqual(['pi-1', 'pi-2', 'pi-3', 'pi-4']);
    const pi1 = view.items.get('pi-1')!;
    expect(pi1.ready).toBe(true);
    expect(pi1.arch).toBe('arm64');
    expect(pi1.memory.capacityBytes).toBeGreaterThan(0);
    // Without metrics-server, usage is unknown, never invented.
    expect(pi1.cpu.usageMillis).toBeNull();
    subscription.dispose();
  });

  it('carries a node label change to subscribers', async () => {
    const view = collect<NodeSummary>((node) => node.name);
    const subscription = cluster.api.onNodes(view.apply);
    await expect.poll(() => view.items.size, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    await kubeRequest(config(), {
      method: 'PATCH',
      path: '/api/v1/nodes/pi-3',
      body: { metadata: { labels: { 'kubedesk.io/hdmi': 'connected' } } },
    });
    await expect.poll(() => view.items.get('pi-3')?.hdmi, { timeout: 10_000 }).toBe('connected');
    await kubeRequest(config(), {
      method: 'PATCH',
      path: '/api/v1/nodes/pi-3',
      body: { metadata: { labels: { 'kubedesk.io/hdmi': null } } },
    });
    await expect.poll(() => view.items.get('pi-3')?.hdmi, { timeout: 10_000 }).toBeNull();
    subscription.dispose();
  });

  it('shows a pod created with kubectl on its node, then its going away', async () => {
    const namespace = await testNamespace('cluster-view');
    const pods = collect<PodSummary>((pod) => pod.key);
    const nodes = collect<NodeSummary>((node) => node.name);
    const podSubscription = cluster.api.onPods({ node: 'pi-2' }, pods.apply);
    const nodeSubscription = cluster.api.onNodes(nodes.apply);
    await expect.poll(() => nodes.items.size, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const before = nodes.items.get('pi-2')!.pods;

    await kubeRequest(config(), {
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/pods`,
      body: {
        metadata: { name: 'visible' },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'pi-2' },
          containers: [{ name: 'main', image: 'busybox' }],
        },
      },
    });
    const key = `${namespace}/visible`;
    await expect.poll(() => pods.items.get(key)?.node, { timeout: 30_000 }).toBe('pi-2');
    await expect.poll(() => pods.items.get(key)?.phase, { timeout: 30_000 }).toBe('Running');
    await expect.poll(() => nodes.items.get('pi-2')?.pods, { timeout: 10_000 }).toBe(before + 1);

    await kubeRequest(config(), {
      method: 'DELETE',
      path: `/api/v1/namespaces/${namespace}/pods/visible`,
      body: { gracePeriodSeconds: 0 },
    });
    await expect.poll(() => pods.items.has(key), { timeout: 30_000 }).toBe(false);
    await expect.poll(() => nodes.items.get('pi-2')?.pods, { timeout: 10_000 }).toBe(before);
    podSubscription.dispose();
    nodeSubscription.dispose();
  });
});
