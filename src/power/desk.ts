import type { DisplayApi, Disposable, PowerApi } from '../contract/index.js';
import type { Cluster } from '../cluster/index.js';
import { createDisplay, HardwareMapWatcher } from '../display/index.js';
import type { CecClient } from '../hardware/drivers/index.js';
import type { Hardware } from '../hardware/index.js';
import type { HealthBoard } from '../system/index.js';
import { createPower, type NodeShutdown, type PowerOptions } from './index.js';

export interface DeskOptions {
  health: HealthBoard;
  cluster: Pick<Cluster, 'config' | 'api'>;
  hardware: Pick<Hardware, 'api' | 'current'>;
  /** For nodes with a CEC address in the `kubedesk-hardware` ConfigMap. */
  cec?: CecClient;
  /** A clean shutdown before the power is cut (see `NodeShutdown`). */
  shutdown?: NodeShutdown;
  /** Timeouts of power operations (tests shorten them). */
  powerTimeouts?: Pick<PowerOptions, 'drainTimeoutMs' | 'evictionRetryMs' | 'shutdownTimeoutMs' | 'bootTimeoutMs'>;
  log?: (line: string) => void;
}

export interface Desk {
  display: DisplayApi;
  power: PowerApi;
  /** The `kubedesk-hardware` ConfigMap as it is now. */
  map: HardwareMapWatcher;
  dispose(): void;
}

/**
 * The screen and the power of the desk: both read the `kubedesk-hardware` ConfigMap (one watch,
 * started once the cluster's kubeconfig is loaded) and drive the same hardware controller.
 */
export function createDesk(options: DeskOptions): Desk {
  const map = new HardwareMapWatcher();
  const startMap = () => {
    const config = options.cluster.config();
    if (config) {
      map.start(config);
    }
  };
  // The kubeconfig may load later (the cluster comes up after Kubedesk): start with it.
  const statusSubscription: Disposable = options.cluster.api.onStatus(startMap);
  startMap();
  const shared = {
    health: options.health,
    cluster: options.cluster,
    hardware: options.hardware,
    map,
    ...(options.log ? { log: options.log } : {}),
  };
  const display = createDisplay({ ...shared, ...(options.cec ? { cec: options.cec } : {}) });
  const power = createPower({
    ...shared,
    ...(options.shutdown ? { shutdown: options.shutdown } : {}),
    ...options.powerTimeouts,
  });
  return {
    display: display.api,
    power: power.api,
    map,
    dispose() {
      statusSubscription.dispose();
      display.dispose();
      power.dispose();
      map.stop();
    },
  };
}
