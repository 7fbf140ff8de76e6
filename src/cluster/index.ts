import type { KubeConfig } from '@kubernetes/client-node';
import type {
  ClusterApi,
  ClusterStatus,
  Disposable,
  Listener,
  NodeSummary,
  PodFilter,
  PodSummary,
  TemperatureSample,
  Update,
} from '../contract/index.js';
import type { HealthBoard } from '../system/index.js';
import { Coalescer } from './coalescer.js';
import { InformerPool, type Informer, type InformerState, type KubeObject } from './informer.js';
import { KubeconfigError, loadKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import { MetricsPoller } from './metrics.js';
import { podIsActive, summarizeNode, summarizePod, type KubeNode, type KubePod } from './summaries.js';

export { KubeconfigError, loadKubeconfig, parseKubeconfig } from './kubeconfig.js';
export { Informer, InformerPool, type KubeObject } from './informer.js';
export { kubeRequest, KubeRequestError, openKubeRequest } from './request.js';
export * from './summaries.js';

/** Kubeconfig problems are often fixed while Kubedesk runs (the cluster comes up later). */
export const KUBECONFIG_RETRY_MS = 5_000;
/** Readings kept per node for the temperature chart: two hours at one change a minute. */
export const TEMPERATURE_HISTORY_LENGTH = 120;

export interface ClusterOptions {
  kubeconfig?: KubeconfigOptions;
  health: HealthBoard;
  /** Polls metrics.k8s.io for usage; off in tests that want no background traffic. */
  metrics?: boolean;
}

export interface Cluster {
  api: ClusterApi;
  /** The loaded kubeconfig, once there is one: other capabilities share it. */
  config(): KubeConfig | undefined;
  dispose(): void;
}

type NodeBase = ReturnType<typeof summarizeNode>;

/** "1 pod", "2 pods". */
function count(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`;
}

/**
 * The `cluster` capability: one nodes informer and one pods informer for the whole host, shared
 * by every subscriber; node summaries joined with pod counts, metrics and the agent's readings.
 */
export function createCluster(options: ClusterOptions): Cluster {
  let config: KubeConfig | undefined;
  let source: string | null = null;
  let pool: InformerPool | undefined;
  let nodes: Informer<NodeBase> | undefined;
  let pods: Informer<PodSummary> | undefined;
  let metrics: MetricsPoller | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  let status: ClusterStatus = {
    state: 'connecting',
    since: new Date().toISOString(),
    server: null,
    source: null,
    message: 'connecting to the cluster',
    metrics: false,
  };
  const statusListeners = new Set<Listener<ClusterStatus>>();
  const nodeListeners = new Set<Listener<Update<NodeSummary>>>();
  const podListeners = new Set<(upserts: PodSummary[], removals: string[]) => void>();
  const podCounts = new Map<string, number>();
  const countedNode = new Map<string, string>();
  const history = new Map<string, TemperatureSample[]>();

  function setStatus(next: Partial<ClusterStatus>): void {
    const state = next.state ?? status.state;
    const changed = Object.entries(next).some(([key, value]) => status[key as keyof ClusterStatus] !== value);
    if (!changed) {
      return;
    }
    status = { ...status, ...next, since: state !== status.state ? new Date().toISOString() : status.since };
    options.health.report(
      'cluster',
      status.state === 'live'
        ? 'ok'
        : status.state === 'error'
          ? 'down'
          : status.state === 'connecting'
            ? 'starting'
            : 'degraded',
      status.state === 'live'
        ? `live: ${count(nodes?.items.size ?? 0, 'node')}, ${count(pods?.items.size ?? 0, 'pod')}`
        : status.message,
    );
    for (const listener of [...statusListeners]) {
      listener({ ...status });
    }
  }

  function fullNode(base: NodeBase): NodeSummary {
    const usage = metrics?.usage(base.name);
    const { cpuCapacityMillis, memoryCapacityBytes, ...rest } = base;
    return {
      ...rest,
      cpu: { capacityMillis: cpuCapacityMillis, usageMillis: usage?.cpuMillis ?? null },
      memory: { capacityBytes: memoryCapacityBytes, usageBytes: usage?.memoryBytes ?? null },
      pods: podCounts.get(base.name) ?? 0,
    };
  }

  const nodeOut = new Coalescer<NodeSummary>((upserts, removals) => {
    for (const listener of [...nodeListeners]) {
      listener({ kind: 'delta', upserts, removals });
    }
  });

  function touchNode(name: string): void {
    const base = nodes?.items.get(name);
    if (base) {
      nodeOut.upsert(name, fullNode(base));
    }
  }

  function recordTemperature(base: NodeBase): void {
    if (base.temperatureCelsius === null) {
      return;
    }
    const samples = history.get(base.name) ?? [];
    if (samples.at(-1)?.celsius !== base.temperatureCelsius) {
      samples.push({ at: Date.now(), celsius: base.temperatureCelsius });
      if (samples.length > TEMPERATURE_HISTORY_LENGTH) {
        samples.shift();
      }
      history.set(base.name, samples);
    }
  }

  function countPod(key: string, pod: PodSummary | undefined): void {
    const before = countedNode.get(key);
    const after = pod && podIsActive(pod) ? pod.node! : undefined;
    if (before === after) {
      return;
    }
    if (before !== undefined) {
      podCounts.set(before, (podCounts.get(before) ?? 1) - 1);
      countedNode.delete(key);
      touchNode(before);
    }
    if (after !== undefined) {
      podCounts.set(after, (podCounts.get(after) ?? 0) + 1);
      countedNode.set(key, after);
      touchNode(after);
    }
  }

  function informerStatus(): void {
    const states: InformerState[] = [nodes?.state ?? 'starting', pods?.state ?? 'starting'];
    if (states.every((state) => state === 'live')) {
      setStatus({ state: 'live', message: 'live' });
    } else if (states.includes('retrying')) {
      const error = [nodes, pods].find((informer) => informer?.state === 'retrying')?.lastError ?? '';
      setStatus({ state: 'reconnecting', message: `reconnecting: ${error}` });
    }
  }

  function start(): void {
    if (disposed) {
      return;
    }
    try {
      const loaded = loadKubeconfig(options.kubeconfig);
      config = loaded.config;
      source = loaded.source;
    } catch (error) {
      const message = error instanceof KubeconfigError ? error.message : `kubeconfig: ${(error as Error).message}`;
      setStatus({ state: 'error', message });
      retryTimer = setTimeout(start, KUBECONFIG_RETRY_MS);
      return;
    }
    setStatus({
      state: 'connecting',
      message: 'connecting to the cluster',
      server: config.getCurrentCluster()?.server ?? null,
      source,
    });
    pool = new InformerPool(config);
    nodes = pool.acquire<NodeBase>('summary', {
      path: '/api/v1/nodes',
      transform: (object: KubeObject) => summarizeNode(object as KubeNode),
    }).informer;
    pods = pool.acquire<PodSummary>('summary', {
      path: '/api/v1/pods',
      transform: (object: KubeObject) => summarizePod(object as KubePod),
    }).informer;
    nodes.onChange(({ upserts, removals }) => {
      for (const [name, base] of upserts) {
        recordTemperature(base);
        nodeOut.upsert(name, fullNode(base));
      }
      for (const name of removals) {
        history.delete(name);
        nodeOut.remove(name);
      }
      informerStatus();
    });
    pods.onChange(({ upserts, removals }) => {
      for (const [key, pod] of upserts) {
        countPod(key, pod);
      }
      for (const key of removals) {
        countPod(key, undefined);
      }
      const upsertList = [...upserts.values()];
      const removalList = [...removals];
      for (const listener of [...podListeners]) {
        listener(upsertList, removalList);
      }
      informerStatus();
    });
    nodes.onState(informerStatus);
    pods.onState(informerStatus);
    if (options.metrics !== false) {
      metrics = new MetricsPoller(config, {
        onChange(names) {
          for (const name of names) {
            touchNode(name);
          }
        },
        onAvailability(available) {
          setStatus({ metrics: available });
        },
      });
      metrics.start();
    }
  }

  start();

  const api: ClusterApi = {
    async status() {
      return { ...status };
    },
    onStatus(listener) {
      statusListeners.add(listener);
      let active = true;
      queueMicrotask(() => active && listener({ ...status }));
      return {
        dispose() {
          active = false;
          statusListeners.delete(listener);
        },
      };
    },
    onNodes(listener) {
      nodeListeners.add(listener);
      let active = true;
      queueMicrotask(() => {
        if (active) {
          const items = [...(nodes?.items.values() ?? [])].map(fullNode);
          listener({ kind: 'snapshot', items });
        }
      });
      return {
        dispose() {
          active = false;
          nodeListeners.delete(listener);
        },
      };
    },
    onPods(filter: PodFilter, listener): Disposable {
      const matches = (pod: PodSummary) =>
        (filter.node === undefined || pod.node === filter.node) &&
        (filter.namespace === undefined || pod.namespace === filter.namespace);
      const shown = new Set<string>();
      const out = new Coalescer<PodSummary>((upserts, removals) => listener({ kind: 'delta', upserts, removals }));
      let ready = false;
      const relay = (upserts: PodSummary[], removals: string[]) => {
        if (!ready) {
          return;
        }
        for (const pod of upserts) {
          if (matches(pod)) {
            shown.add(pod.key);
            out.upsert(pod.key, pod);
          } else if (shown.delete(pod.key)) {
            out.remove(pod.key);
          }
        }
        for (const key of removals) {
          if (shown.delete(key)) {
            out.remove(key);
          }
        }
      };
      podListeners.add(relay);
      queueMicrotask(() => {
        if (!podListeners.has(relay)) {
          return;
        }
        const items = [...(pods?.items.values() ?? [])].filter(matches);
        for (const pod of items) {
          shown.add(pod.key);
        }
        ready = true;
        listener({ kind: 'snapshot', items });
      });
      return {
        dispose() {
          podListeners.delete(relay);
          out.dispose();
        },
      };
    },
    async temperatureHistory(node) {
      return [...(history.get(node) ?? [])];
    },
  };

  return {
    api,
    config: () => config,
    dispose() {
      disposed = true;
      clearTimeout(retryTimer);
      metrics?.stop();
      pool?.stopAll();
      nodeOut.dispose();
      statusListeners.clear();
      nodeListeners.clear();
      podListeners.clear();
    },
  };
}
