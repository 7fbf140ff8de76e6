import type { AppSession, AppWindow, DisplayMode, SessionPhase } from '../contract/index.js';
import type { KubeObject } from '../cluster/index.js';
import { ANNOTATION_DISPLAY_MODE, ANNOTATION_DISPLAY_NAME, LABEL_APP, LABEL_POOL, LABEL_SESSION } from './pod.js';

/** What the apps capability keeps of an app pod: enough to tell its story in the taskbar. */
export interface AppPod {
  name: string;
  uid: string;
  resourceVersion: string;
  app: string;
  session: string | null;
  warm: boolean;
  displayMode: DisplayMode;
  displayName: string;
  node: string | null;
  ip: string | null;
  phase: string;
  deleting: boolean;
  /** Why it cannot go on, in the API's words, when it cannot. */
  blocked: { reason: string; message: string } | null;
  /** Why it is waiting, when it is. */
  waiting: string | null;
  exitCode: number | null;
  createdAt: string;
}

interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      state?: {
        waiting?: { reason?: string; message?: string };
        terminated?: { exitCode?: number; reason?: string; message?: string };
      };
    }[];
  };
}

/** Waiting reasons that will not fix themselves: the launch failed. */
const BLOCKING_WAIT_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
  'RunContainerError',
]);

export function toAppPod(object: KubeObject): AppPod {
  const pod = object as PodObject;
  const labels = pod.metadata.labels ?? {};
  const annotations = pod.metadata.annotations ?? {};
  const container = pod.status?.containerStatuses?.[0];
  const waiting = container?.state?.waiting;
  const terminated = container?.state?.terminated;
  const unschedulable = pod.status?.conditions?.find(
    (condition) =>
      condition.type === 'PodScheduled' && condition.status === 'False' && condition.reason === 'Unschedulable',
  );
  let blocked: AppPod['blocked'] = null;
  if (unschedulable) {
    blocked = { reason: 'Unschedulable', message: unschedulable.message ?? '' };
  } else if (waiting?.reason && BLOCKING_WAIT_REASONS.has(waiting.reason)) {
    blocked = { reason: waiting.reason, message: waiting.message ?? '' };
  }
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? '',
    resourceVersion: pod.metadata.resourceVersion ?? '',
    app: labels[LABEL_APP] ?? '',
    session: labels[LABEL_SESSION] ?? null,
    warm: labels[LABEL_POOL] === 'warm',
    displayMode: annotations[ANNOTATION_DISPLAY_MODE] === 'x11' ? 'x11' : 'xpra',
    displayName: annotations[ANNOTATION_DISPLAY_NAME] ?? labels[LABEL_APP] ?? pod.metadata.name,
    node: pod.spec?.nodeName ?? null,
    ip: pod.status?.podIP ?? null,
    phase: pod.status?.phase ?? 'Pending',
    deleting: pod.metadata.deletionTimestamp !== undefined,
    blocked,
    waiting: waiting?.reason ?? null,
    exitCode: terminated?.exitCode ?? null,
    createdAt: pod.metadata.creationTimestamp ?? new Date().toISOString(),
  };
}

/** The failure in words a person at the desk understands, with the API's detail after it. */
export function explainBlock(blocked: NonNullable<AppPod['blocked']>): string {
  switch (blocked.reason) {
    case 'Unschedulable':
      return `no node fits this app: ${blocked.message}`;
    case 'ErrImagePull':
    case 'ImagePullBackOff':
    case 'InvalidImageName':
      return `the image cannot be pulled: ${blocked.message}`;
    case 'CrashLoopBackOff':
    case 'RunContainerError':
      return `the app crashed on start: ${blocked.message}`;
    default:
      return `the app cannot start (${blocked.reason}): ${blocked.message}`;
  }
}

export interface SessionInputs {
  pod: AppPod;
  icon: string | null;
  /** The last Event reason seen for the pod (Pulling, Pulled, …). */
  lastEvent: string | null;
  /** Whether an `xpra attach` process is running for it. */
  attached: boolean;
  windows: AppWindow[];
  /** Set when the user asked to stop it. */
  stopping: boolean;
}

/** Where a session is, from its pod, its events, its attach and its windows. */
export function describeSession(inputs: SessionInputs): AppSession {
  const { pod } = inputs;
  let phase: SessionPhase;
  let message: string;
  let retryable = false;
  if (inputs.stopping || pod.deleting) {
    phase = 'stopping';
    message = 'closing';
  } else if (pod.blocked) {
    phase = 'failed';
    message = explainBlock(pod.blocked);
    retryable = true;
  } else if (pod.phase === 'Failed' || (pod.phase === 'Succeeded' && pod.exitCode !== 0 && pod.exitCode !== null)) {
    phase = 'failed';
    message = `the app crashed${pod.exitCode !== null ? ` (exit code ${pod.exitCode})` : ''}`;
    retryable = true;
  } else if (pod.phase === 'Succeeded') {
    phase = 'stopping';
    message = 'the app has ended';
  } else if (pod.node === null) {
    phase = 'scheduling';
    message = 'finding a node';
  } else if (pod.phase === 'Pending') {
    if (inputs.lastEvent === 'Pulling') {
      phase = 'pulling';
      message = `pulling the image on ${pod.node}`;
    } else {
      phase = 'starting';
      message = `starting on ${pod.node}`;
    }
  } else if (inputs.windows.length > 0) {
    phase = 'running';
    message = `running on ${pod.node}`;
  } else if (pod.displayMode === 'xpra') {
    phase = 'attaching';
    message = inputs.attached ? `waiting for its window from ${pod.node}` : `connecting to ${pod.node}`;
  } else {
    phase = 'running';
    message = `running on ${pod.node} (drawing on this screen directly)`;
  }
  return {
    id: pod.name,
    app: pod.app,
    displayName: pod.displayName,
    icon: inputs.icon,
    displayMode: pod.displayMode,
    phase,
    message,
    node: pod.node,
    windows: inputs.windows,
    startedAt: pod.createdAt,
    retryable,
  };
}
