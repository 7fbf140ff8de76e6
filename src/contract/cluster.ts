import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/**
 * A node as the shell shows it. Summaries, not whole Node objects: at 1,000 nodes the whole
 * objects would be megabytes per update, and the views need a dozen fields.
 */
export interface NodeSummary {
  name: string;
  /** The Ready condition; null while the node has not reported one. */
  ready: boolean | null;
  /** `spec.unschedulable`: cordoned for maintenance or power-off. */
  cordoned: boolean;
  /** e.g. "Raspberry Pi 4 Model B Rev 1.4"; null when nothing says. */
  model: string | null;
  arch: string;
  internalIP: string | null;
  kubeletVersion: string;
  cpu: { capacityMillis: number; usageMillis: number | null };
  memory: { capacityBytes: number; usageBytes: number | null };
  /** SoC temperature from the node agent's annotation, °C; null when unknown. */
  temperatureCelsius: number | null;
  /** Throttling decoded from the agent's annotation; null when unknown. */
  throttled: ThrottleState | null;
  /** Pods bound to the node and not finished. */
  pods: number;
  hdmi: 'connected' | 'disconnected' | null;
  /** Holds `kubedesk.io/display=active`: the screen shows this node now. */
  displayActive: boolean;
  roles: string[];
  createdAt: string | null;
}

/** The bits of `vcgencmd get_throttled`, now and since boot. */
export interface ThrottleState {
  raw: string;
  underVoltage: boolean;
  throttledNow: boolean;
  frequencyCapped: boolean;
  softTemperatureLimit: boolean;
  /** Any of the above happened since boot. */
  occurredSinceBoot: boolean;
}

export interface PodSummary {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  name: string;
  node: string | null;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** All containers ready. */
  ready: boolean;
  restarts: number;
  /** Why it is not running, in the API's words: ImagePullBackOff, Unschedulable, CrashLoopBackOff, … */
  reason: string | null;
  message: string | null;
  ip: string | null;
  /** `kubedesk.io/app` of app pods. */
  app: string | null;
  /** `kubedesk.io/session` of app pods. */
  session: string | null;
  deleting: boolean;
  createdAt: string | null;
}

/** First the whole set, then only what changed. Keys are node names or pod keys. */
export type Update<T> = { kind: 'snapshot'; items: T[] } | { kind: 'delta'; upserts: T[]; removals: string[] };

export type ClusterState = 'connecting' | 'live' | 'reconnecting' | 'error';

export interface ClusterStatus {
  state: ClusterState;
  /** ISO time of the last change of `state`. */
  since: string;
  /** The API server URL, when a kubeconfig was loaded. */
  server: string | null;
  /** Where the kubeconfig came from: a path or "in-cluster". */
  source: string | null;
  /** What is wrong, in words, when not live. */
  message: string;
  /** Whether metrics.k8s.io answers; without it usage is shown as unknown. */
  metrics: boolean;
}

export interface TemperatureSample {
  /** Epoch ms. */
  at: number;
  celsius: number;
}

export const podFilterSchema = z.strictObject({
  node: z.string().min(1).max(253).optional(),
  namespace: z.string().min(1).max(63).optional(),
});
export type PodFilter = z.infer<typeof podFilterSchema>;

/** The cluster, live: nodes, pods and the health of the Pis. */
export interface ClusterApi {
  status(): Promise<ClusterStatus>;
  onStatus(listener: Listener<ClusterStatus>): Disposable;
  /**
   * Nodes: a snapshot at once, then deltas, at most one per animation frame (about 16 ms), never
   * the whole list on every change.
   */
  onNodes(listener: Listener<Update<NodeSummary>>): Disposable;
  /** Pods matching the filter, in the same snapshot-then-delta form. */
  onPods(filter: PodFilter, listener: Listener<Update<PodSummary>>): Disposable;
  /** Recent temperature readings of one node, oldest first (what the host saw since it started). */
  temperatureHistory(node: string): Promise<TemperatureSample[]>;
}

const nodeName = z.string().min(1).max(253);

export const clusterSpec = defineCapability<ClusterApi>()({
  methods: {
    status: z.tuple([]),
    temperatureHistory: z.tuple([nodeName]),
  },
  events: {
    onStatus: z.tuple([]),
    onNodes: z.tuple([]),
    onPods: z.tuple([podFilterSchema]),
  },
});
