import type { NodeSummary, PodSummary, ThrottleState } from '../contract/index.js';
import type { KubeObject } from './informer.js';

export const LABEL_HDMI = 'kubedesk.io/hdmi';
export const LABEL_DISPLAY = 'kubedesk.io/display';
export const ANNOTATION_TEMPERATURE = 'kubedesk.io/temperature';
export const ANNOTATION_THROTTLED = 'kubedesk.io/throttled';
/** The board's own words, from /proc/device-tree/model (spaces are not allowed in a label). */
export const ANNOTATION_MODEL = 'kubedesk.io/model';

export interface KubeNode extends KubeObject {
  spec?: { unschedulable?: boolean; podCIDR?: string };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { architecture?: string; kubeletVersion?: string };
  };
}

export interface KubePod extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a Kubernetes quantity ("3800m", "4Gi", "1e3") into a number of base units. */
export function parseQuantity(text: string | undefined): number | null {
  if (text === undefined) {
    return null;
  }
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(text.trim());
  if (!match) {
    return null;
  }
  const value = Number(match[1]);
  const suffix = match[2] ?? '';
  const factor = BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix] ?? 1;
  return Number.isFinite(value) ? value * factor : null;
}

/** Decodes `vcgencmd get_throttled` ("throttled=0x50005" or "0x50005"). */
export function decodeThrottled(text: string | undefined): ThrottleState | null {
  const match = /(0x[0-9a-fA-F]+)/.exec(text ?? '');
  if (!match) {
    return null;
  }
  const bits = Number.parseInt(match[1]!, 16);
  return {
    raw: match[1]!,
    underVoltage: (bits & 0x1) !== 0,
    frequencyCapped: (bits & 0x2) !== 0,
    throttledNow: (bits & 0x4) !== 0,
    softTemperatureLimit: (bits & 0x8) !== 0,
    occurredSinceBoot: (bits & 0xf0000) !== 0,
  };
}

function temperature(text: string | undefined): number | null {
  if (text === undefined) {
    return null;
  }
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : null;
}

export function summarizeNode(node: KubeNode): Omit<NodeSummary, 'pods' | 'cpu' | 'memory'> & {
  cpuCapacityMillis: number;
  memoryCapacityBytes: number;
} {
  const labels = node.metadata.labels ?? {};
  const annotations = node.metadata.annotations ?? {};
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
  const hdmi = labels[LABEL_HDMI];
  const capacity = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    name: node.metadata.name,
    ready: ready ? ready.status === 'True' : null,
    cordoned: node.spec?.unschedulable === true,
    model: annotations[ANNOTATION_MODEL] ?? null,
    arch: labels['kubernetes.io/arch'] ?? node.status?.nodeInfo?.architecture ?? 'unknown',
    internalIP: node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address ?? null,
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? '',
    cpuCapacityMillis: Math.round((parseQuantity(capacity.cpu) ?? 0) * 1000),
    memoryCapacityBytes: Math.round(parseQuantity(capacity.memory) ?? 0),
    temperatureCelsius: temperature(annotations[ANNOTATION_TEMPERATURE]),
    throttled: decodeThrottled(annotations[ANNOTATION_THROTTLED]),
    hdmi: hdmi === 'connected' || hdmi === 'disconnected' ? hdmi : null,
    displayActive: labels[LABEL_DISPLAY] === 'active',
    roles: Object.keys(labels)
      .filter((label) => label.startsWith('node-role.kubernetes.io/'))
      .map((label) => label.slice('node-role.kubernetes.io/'.length))
      .sort(),
    createdAt: node.metadata.creationTimestamp ?? null,
  };
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

export function summarizePod(pod: KubePod): PodSummary {
  const labels = pod.metadata.labels ?? {};
  const containers = pod.status?.containerStatuses ?? [];
  const waiting = containers.find((container) => container.state?.waiting)?.state?.waiting;
  const terminated = containers.find((container) => container.state?.terminated)?.state?.terminated;
  const unschedulable = pod.status?.conditions?.find(
    (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
  );
  const phase = pod.status?.phase ?? 'Pending';
  const namespace = pod.metadata.namespace ?? 'default';
  return {
    key: `${namespace}/${pod.metadata.name}`,
    namespace,
    name: pod.metadata.name,
    node: pod.spec?.nodeName ?? null,
    phase: (PHASES.has(phase) ? phase : 'Unknown') as PodSummary['phase'],
    ready: containers.length > 0 && containers.every((container) => container.ready === true),
    restarts: containers.reduce((sum, container) => sum + (container.restartCount ?? 0), 0),
    reason: waiting?.reason ?? terminated?.reason ?? unschedulable?.reason ?? pod.status?.reason ?? null,
    message: waiting?.message ?? unschedulable?.message ?? pod.status?.message ?? null,
    ip: pod.status?.podIP ?? null,
    app: labels['kubedesk.io/app'] ?? null,
    session: labels['kubedesk.io/session'] ?? null,
    deleting: pod.metadata.deletionTimestamp !== undefined,
    createdAt: pod.metadata.creationTimestamp ?? null,
  };
}

/** Whether a pod still occupies its node (counted in the node's pods). */
export function podIsActive(pod: PodSummary): boolean {
  return pod.node !== null && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}
