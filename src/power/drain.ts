/**
 * Cordon and drain as `kubectl drain` does them: the node is marked unschedulable, then every pod
 * that can move is evicted through the eviction API, so PodDisruptionBudgets are respected (a
 * budget that allows no disruption now answers 429 and the eviction is tried again later).
 * DaemonSet pods stay (their controller would put them back at once), mirror pods stay (the
 * kubelet owns them), finished pods are left alone.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest, KubeRequestError, type KubePod } from '../cluster/index.js';
import type { DrainProgress } from '../contract/index.js';

/** How often a pod held by a PodDisruptionBudget is asked for again (kubectl waits 5 s too). */
export const EVICTION_RETRY_MS = 5_000;
/** How long a drain may take before it gives up and says which pods held it. */
export const DRAIN_TIMEOUT_MS = 5 * 60_000;
/** How often the node's pods are listed while waiting for the evicted ones to be gone. */
const GONE_POLL_MS = 500;

interface DrainPod extends KubePod {
  metadata: KubePod['metadata'] & {
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
}

interface PodList {
  items: DrainPod[];
}

export async function setCordoned(config: KubeConfig, node: string, cordoned: boolean): Promise<void> {
  await kubeRequest(config, {
    method: 'PATCH',
    path: `/api/v1/nodes/${encodeURIComponent(node)}`,
    // null removes the field: an uncordoned node has no `unschedulable` at all, as kubectl leaves it.
    body: { spec: { unschedulable: cordoned ? true : null } },
  });
}

function key(pod: DrainPod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

/** Whether a drain moves this pod. */
export function movable(pod: DrainPod): boolean {
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) {
    return false;
  }
  if (pod.metadata.ownerReferences?.some((owner) => owner.kind === 'DaemonSet' && owner.controller !== false)) {
    return false;
  }
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

async function podsOn(config: KubeConfig, node: string): Promise<DrainPod[]> {
  const selector = encodeURIComponent(`spec.nodeName=${node}`);
  return (await kubeRequest<PodList>(config, { path: `/api/v1/pods?fieldSelector=${selector}` })).items;
}

type EvictionResult = 'evicted' | 'gone' | { blocked: string };

async function evict(config: KubeConfig, pod: DrainPod): Promise<EvictionResult> {
  const { namespace, name } = pod.metadata;
  try {
    await kubeRequest(config, {
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(name)}/eviction`,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
    });
    return 'evicted';
  } catch (error) {
    if (error instanceof KubeRequestError && error.status === 404) {
      return 'gone';
    }
    if (error instanceof KubeRequestError && error.status === 429) {
      // "Cannot evict pod as it would violate the pod's disruption budget."
      return { blocked: error.message };
    }
    throw error;
  }
}

export interface DrainOptions {
  timeoutMs?: number;
  retryMs?: number;
  onProgress?: (progress: DrainProgress) => void;
  /** Checked between rounds: a drain stops when it turns true. */
  cancelled?: () => boolean;
}

export class DrainError extends Error {
  constructor(
    message: string,
    readonly progress: DrainProgress,
  ) {
    super(message);
  }
}

/** Evicts every movable pod of the node and waits until they are gone. */
export async function drainNode(config: KubeConfig, node: string, options: DrainOptions = {}): Promise<DrainProgress> {
  const deadline = Date.now() + (options.timeoutMs ?? DRAIN_TIMEOUT_MS);
  const initial = (await podsOn(config, node)).filter(movable);
  const toMove = new Set(initial.map(key));
  const evicted = new Set<string>();
  const blocked = new Map<string, string>();
  const progress = (): DrainProgress => ({
    total: toMove.size,
    evicted: [...toMove].filter((name) => evicted.has(name)).length,
    blocked: [...blocked.keys()].sort(),
  });
  options.onProgress?.(progress());
  let nextEvictionRound = 0;
  for (;;) {
    const present = new Map((await podsOn(config, node)).map((pod) => [key(pod), pod]));
    for (const name of toMove) {
      const pod = present.get(name);
      if (!pod || !movable(pod)) {
        evicted.add(name);
        blocked.delete(name);
      }
    }
    options.onProgress?.(progress());
    if ([...toMove].every((name) => evicted.has(name))) {
      return progress();
    }
    if (options.cancelled?.()) {
      throw new DrainError('the drain was stopped', progress());
    }
    if (Date.now() > deadline) {
      const holders = [...blocked.entries()].map(([name, why]) => `${name} (${why.replace(/^POST [^:]+: /, '')})`);
      throw new DrainError(
        holders.length > 0
          ? `the drain timed out: ${holders.join('; ')}`
          : `the drain timed out waiting for ${[...toMove].filter((name) => !evicted.has(name)).join(', ')} to go`,
        progress(),
      );
    }
    if (Date.now() >= nextEvictionRound) {
      for (const name of toMove) {
        const pod = present.get(name);
        if (!pod || evicted.has(name) || pod.metadata.deletionTimestamp !== undefined) {
          continue;
        }
        const result = await evict(config, pod);
        if (typeof result === 'object') {
          blocked.set(name, result.blocked);
        } else {
          blocked.delete(name);
        }
      }
      options.onProgress?.(progress());
      nextEvictionRound = Date.now() + (options.retryMs ?? EVICTION_RETRY_MS);
    }
    await new Promise((resolve) => setTimeout(resolve, GONE_POLL_MS));
  }
}
