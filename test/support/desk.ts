/**
 * A simulated desk on a cluster, for the display and power tests and `bench:switch`: the
 * hardware simulator over real HTTP on 127.0.0.1, the `kubedesk-hardware` ConfigMap, the shell
 * DaemonSet from deploy/shell.yaml, the host's display and power capabilities, and a watch that
 * records every change of the `kubedesk.io/display` label as it happens.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  createCluster,
  kubeRequest,
  KubeRequestError,
  LABEL_DISPLAY,
  openKubeRequest,
  type Cluster,
  type KubeNode,
  type KubeObject,
} from '../../src/cluster/index.js';
import { HARDWARE_MAP_KEY, HARDWARE_MAP_NAME, HARDWARE_MAP_NAMESPACE } from '../../src/display/index.js';
import {
  createHardware,
  HardwareClient,
  startHardwareSimulator,
  type Hardware,
  type HardwareSimulator,
} from '../../src/hardware/index.js';
import { createDesk, type Desk, type DeskOptions } from '../../src/power/desk.js';
import { HealthBoard } from '../../src/system/index.js';

const FIELD_MANAGER = 'kubedesk-tests';
export const SHELL_SELECTOR = 'app.kubernetes.io/name=kubedesk-shell';

/** The ConfigMap of a four-Pi desk on the simulator's default inputs and ports. */
export const FOUR_PI_MAP = `nodes:
  pi-1: { hdmi: "1", audio: "1", power: "1" }
  pi-2: { hdmi: "2", audio: "2", power: "2" }
  pi-3: { hdmi: "3", audio: "3", power: "3" }
  pi-4: { hdmi: "4", audio: "4", power: "4" }
`;

function collectionPath(object: KubeObject): string {
  const [group, version] = (object.apiVersion ?? 'v1').includes('/')
    ? object.apiVersion!.split('/')
    : ['', object.apiVersion];
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const plural = `${object.kind!.toLowerCase()}${object.kind!.endsWith('s') ? 'es' : 's'}`;
  const namespaced = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${base}${namespaced}/${plural}`;
}

/** Server-side apply of every document in a manifest file (what `kubectl apply --server-side` does). */
export async function applyManifest(
  config: KubeConfig,
  path: string,
  skip: (object: KubeObject) => boolean = () => false,
): Promise<KubeObject[]> {
  const objects = parseAllDocuments(await readFile(path, 'utf8'))
    .map((document) => document.toJSON() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && !skip(object));
  for (const object of objects) {
    await kubeRequest(config, {
      method: 'PATCH',
      path: `${collectionPath(object)}/${object.metadata.name}?fieldManager=${FIELD_MANAGER}&force=true`,
      contentType: 'application/apply-patch+yaml',
      body: object,
    });
  }
  return objects;
}

export async function deleteObjects(config: KubeConfig, objects: KubeObject[]): Promise<void> {
  for (const object of objects) {
    await kubeRequest(config, { method: 'DELETE', path: `${collectionPath(object)}/${object.metadata.name}` }).catch(
      () => undefined,
    );
  }
}

/** Writes the `kubedesk-hardware` ConfigMap (creating or replacing it). */
export async function putHardwareMap(config: KubeConfig, text: string): Promise<void> {
  await kubeRequest(config, {
    method: 'PATCH',
    path: `/api/v1/namespaces/${HARDWARE_MAP_NAMESPACE}/configmaps/${HARDWARE_MAP_NAME}?fieldManager=${FIELD_MANAGER}&force=true`,
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: HARDWARE_MAP_NAME, namespace: HARDWARE_MAP_NAMESPACE },
      data: { [HARDWARE_MAP_KEY]: text },
    },
  });
}

export async function patchNodeLabels(
  config: KubeConfig,
  node: string,
  labels: Record<string, string | null>,
): Promise<void> {
  await kubeRequest(config, { method: 'PATCH', path: `/api/v1/nodes/${node}`, body: { metadata: { labels } } });
}

export interface LabelRecord {
  /** Epoch ms the event arrived. */
  at: number;
  /** Who held the label after this event, in natural order. */
  holders: string[];
}

/**
 * A watch on nodes from the current resourceVersion that records, after every event, who holds
 * `kubedesk.io/display=active`. The API server sends every change in order: two holders at any
 * moment would show as a record with two.
 */
export async function recordDisplayLabel(config: KubeConfig): Promise<{ records: LabelRecord[]; stop(): void }> {
  const list = await kubeRequest<{ metadata: { resourceVersion: string }; items: KubeNode[] }>(config, {
    path: '/api/v1/nodes',
  });
  const holding = new Map(
    list.items.map((node) => [node.metadata.name, node.metadata.labels?.[LABEL_DISPLAY] === 'active']),
  );
  const records: LabelRecord[] = [];
  const holders = () =>
    [...holding]
      .filter(([, holds]) => holds)
      .map(([name]) => name)
      .sort();
  records.push({ at: Date.now(), holders: holders() });
  const abort = new AbortController();
  const response = await openKubeRequest(config, {
    path: `/api/v1/nodes?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
    signal: abort.signal,
  });
  response.setEncoding('utf8');
  const lines = createInterface({ input: response });
  // `stop` aborts the watch, which the reader reports as an error: expected, not a failure.
  lines.on('error', () => undefined);
  lines.on('line', (line) => {
    if (line.trim() === '') {
      return;
    }
    const event = JSON.parse(line) as { type: string; object: KubeNode };
    const name = event.object.metadata.name;
    const holds = event.type !== 'DELETED' && event.object.metadata.labels?.[LABEL_DISPLAY] === 'active';
    if (holding.get(name) !== holds) {
      holding.set(name, holds);
      records.push({ at: Date.now(), holders: holders() });
    }
  });
  response.on('error', () => undefined);
  return {
    records,
    stop() {
      abort.abort();
      lines.close();
    },
  };
}

interface PodListItem {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/** The shell pods: node and phase of each, deleting ones left out. */
export async function shellPods(config: KubeConfig): Promise<{ node: string; phase: string }[]> {
  const list = await kubeRequest<{ items: PodListItem[] }>(config, {
    path: `/api/v1/namespaces/kubedesk-system/pods?labelSelector=${encodeURIComponent(SHELL_SELECTOR)}`,
  });
  return list.items
    .filter((pod) => pod.metadata.deletionTimestamp === undefined)
    .map((pod) => ({ node: pod.spec?.nodeName ?? '', phase: pod.status?.phase ?? '' }));
}

export interface SimulatedDesk {
  simulator: HardwareSimulator;
  hardware: Hardware;
  cluster: Cluster;
  desk: Desk;
  health: HealthBoard;
  stop(): Promise<void>;
}

/** Starts the simulator, and a host's hardware, cluster, display and power against it. */
export async function startSimulatedDesk(
  kubeconfig: string,
  options: Pick<DeskOptions, 'shutdown' | 'powerTimeouts'> & { cycleMs?: number } = {},
): Promise<SimulatedDesk> {
  const directory = await mkdtemp(join(tmpdir(), 'kubedesk-desk-'));
  const token = randomBytes(16).toString('hex');
  const simulator = await startHardwareSimulator({
    stateFile: join(directory, 'hardware.json'),
    token,
    cycleMs: options.cycleMs ?? 10,
  });
  const health = new HealthBoard();
  const hardware = createHardware({ health, backend: new HardwareClient({ url: simulator.url, token }) });
  const cluster = createCluster({ health, kubeconfig: { path: kubeconfig }, metrics: false });
  const desk = createDesk({
    health,
    cluster,
    hardware,
    ...(options.shutdown ? { shutdown: options.shutdown } : {}),
    ...(options.powerTimeouts ? { powerTimeouts: options.powerTimeouts } : {}),
  });
  return {
    simulator,
    hardware,
    cluster,
    desk,
    health,
    async stop() {
      desk.dispose();
      hardware.dispose();
      cluster.dispose();
      await simulator.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition, polling; throws with `what` when it does not come. */
export async function until<T>(
  what: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (done(last)) {
      return last;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not after ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export { KubeRequestError };
