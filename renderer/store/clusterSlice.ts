import type { StateCreator } from 'zustand';
import type { ClusterStatus, NodeSummary, PodSummary, Update } from '../../src/contract/index';
import type { Store } from './index';

const collator = new Intl.Collator(undefined, { numeric: true });

export interface ClusterSlice {
  clusterStatus: ClusterStatus | null;
  /** Node summaries by name: a card selects its own entry, so one node's change redraws one card. */
  nodes: Record<string, NodeSummary>;
  /** Names in natural order (pi-2 before pi-10); replaced only when the set of names changes. */
  nodeNames: string[];
  selectedNode: string | null;
  pods: Record<string, PodSummary>;
  podKeys: string[];
  setClusterStatus(status: ClusterStatus): void;
  applyNodes(update: Update<NodeSummary>): void;
  applyPods(update: Update<PodSummary>): void;
  selectNode(name: string | null): void;
}

/** Applies a snapshot or a delta to a keyed record; returns the new record and whether keys changed. */
export function applyUpdate<T>(
  current: Record<string, T>,
  update: Update<T>,
  key: (item: T) => string,
): { items: Record<string, T>; keysChanged: boolean } {
  if (update.kind === 'snapshot') {
    const items: Record<string, T> = {};
    for (const item of update.items) {
      items[key(item)] = item;
    }
    return { items, keysChanged: true };
  }
  const items = { ...current };
  let keysChanged = false;
  for (const item of update.upserts) {
    const name = key(item);
    keysChanged ||= !(name in items);
    items[name] = item;
  }
  for (const name of update.removals) {
    if (name in items) {
      delete items[name];
      keysChanged = true;
    }
  }
  return { items, keysChanged };
}

export const createClusterSlice: StateCreator<Store, [], [], ClusterSlice> = (set, get) => ({
  clusterStatus: null,
  nodes: {},
  nodeNames: [],
  selectedNode: null,
  pods: {},
  podKeys: [],
  setClusterStatus: (clusterStatus) => set({ clusterStatus }),
  applyNodes(update) {
    const { items, keysChanged } = applyUpdate(get().nodes, update, (node) => node.name);
    set(keysChanged ? { nodes: items, nodeNames: Object.keys(items).sort(collator.compare) } : { nodes: items });
  },
  applyPods(update) {
    const { items, keysChanged } = applyUpdate(get().pods, update, (pod) => pod.key);
    set(keysChanged ? { pods: items, podKeys: Object.keys(items).sort(collator.compare) } : { pods: items });
  },
  selectNode: (selectedNode) => set({ selectedNode, pods: {}, podKeys: [] }),
});
