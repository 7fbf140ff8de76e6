/**
 * Power for the local cluster's simulated Pis (nodes annotated `kubedesk.io/simulated=true`,
 * whose kubelets KWOK plays): what a real Pi does when its port is switched, the simulated one
 * does too. Part of the simulated desk (like `kubedesk hardware-sim`), for the demo and the tests;
 * real nodes are never touched.
 *
 * - A port switched off, or a clean shutdown: the kubelet stops. KWOK stops playing the node
 *   (its `kwok.x-k8s.io/node` annotation changes) and the node turns NotReady, as a node whose
 *   kubelet went silent does.
 * - A port switched on again: the Pi boots. It gets a new boot ID, and KWOK plays it again,
 *   which makes it Ready.
 */
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest, type KubeNode } from '../cluster/index.js';
import { HardwareMapWatcher } from '../display/hardware-map.js';
import { getNode } from '../display/labels.js';
import type { HardwareBackend } from '../hardware/index.js';
import type { NodeShutdown } from './index.js';

export const SIMULATED_ANNOTATION = 'kubedesk.io/simulated';
/** KWOK plays the nodes whose annotation has this value (the local cluster's KWOK configuration). */
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
const KWOK_PLAYS = 'fake';
const KWOK_STOPPED = 'stopped';

export interface PowerSimulation {
  /** A clean shutdown of a simulated Pi: for `createHost({ desk: { shutdown } })`. */
  shutdown: NodeShutdown;
  stop(): void;
}

async function isSimulated(config: KubeConfig, node: string): Promise<boolean> {
  const found = await getNode(config, node);
  return found?.metadata.annotations?.[SIMULATED_ANNOTATION] === 'true';
}

/** The kubelet of a simulated node stops: KWOK lets go of it, and it reports NotReady. */
export async function stopSimulatedKubelet(config: KubeConfig, node: string, why: string): Promise<void> {
  if (!(await isSimulated(config, node))) {
    return;
  }
  const path = `/api/v1/nodes/${encodeURIComponent(node)}`;
  await kubeRequest(config, {
    method: 'PATCH',
    path,
    body: { metadata: { annotations: { [KWOK_ANNOTATION]: KWOK_STOPPED } } },
  });
  const now = new Date().toISOString();
  await kubeRequest(config, {
    method: 'PATCH',
    path: `${path}/status`,
    // Strategic merge: conditions are merged by type, so only Ready changes.
    contentType: 'application/strategic-merge-patch+json',
    body: {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message: `simulated: ${why}`,
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
  });
}

/** A simulated node boots: a new boot ID, and KWOK plays it again (it turns Ready). */
export async function bootSimulatedNode(config: KubeConfig, node: string): Promise<void> {
  const found = (await getNode(config, node)) as KubeNode | undefined;
  if (found?.metadata.annotations?.[SIMULATED_ANNOTATION] !== 'true') {
    return;
  }
  const path = `/api/v1/nodes/${encodeURIComponent(node)}`;
  await kubeRequest(config, {
    method: 'PATCH',
    path: `${path}/status`,
    body: { status: { nodeInfo: { bootID: randomBytes(16).toString('hex') } } },
  });
  await kubeRequest(config, {
    method: 'PATCH',
    path,
    body: { metadata: { annotations: { [KWOK_ANNOTATION]: KWOK_PLAYS } } },
  });
}

/**
 * Follows the controller's power ports and the `kubedesk-hardware` ConfigMap, and plays the
 * simulated Pis' side of every switch.
 */
export function startPowerSimulation(options: {
  config: KubeConfig;
  hardware: HardwareBackend;
  log?: (line: string) => void;
}): PowerSimulation {
  const log = options.log ?? (() => undefined);
  const map = new HardwareMapWatcher();
  map.start(options.config);
  const last = new Map<string, boolean>();
  let queue: Promise<void> = Promise.resolve();
  const run = (what: string, job: () => Promise<void>) => {
    queue = queue.then(job).catch((error: unknown) => log(`simulated power: ${what}: ${(error as Error).message}`));
  };
  const watch = options.hardware.watch({
    onState(state) {
      for (const [node, entry] of map.current.nodes) {
        if (entry.power === null || !Object.hasOwn(state.power, entry.power)) {
          continue;
        }
        const on = state.power[entry.power]!;
        const before = last.get(entry.power);
        last.set(entry.power, on);
        if (before === undefined || before === on) {
          continue;
        }
        if (on) {
          run(`booting ${node}`, () => bootSimulatedNode(options.config, node));
        } else {
          run(`stopping ${node}`, () =>
            stopSimulatedKubelet(options.config, node, `port ${entry.power} was switched off`),
          );
        }
      }
    },
    onDown() {
      // The controller is away: nothing is known about the ports, so nothing is played.
    },
  });
  return {
    async shutdown(node) {
      await stopSimulatedKubelet(options.config, node, 'shut down');
    },
    stop() {
      watch.dispose();
      map.stop();
    },
  };
}
