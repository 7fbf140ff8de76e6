import { hostname } from 'node:os';
import { hostSpec, type HostApi, type SystemInfo } from '../contract/index.js';
import { createCluster, type ClusterOptions } from '../cluster/index.js';
import { createHardware, type HardwareBackend } from '../hardware/index.js';
import { createSystem, HealthBoard } from '../system/index.js';
import { packageVersion } from './package.js';

export { packageRoot, packageVersion } from './package.js';
export { startWebHost, type WebHost, type WebHostOptions } from './web.js';

export interface HostOptions {
  host: SystemInfo['host'];
  /** The Kubernetes node this host runs on; the DaemonSet passes it as KUBEDESK_NODE_NAME. */
  nodeName?: string;
  /** Where the kubeconfig is; by default KUBECONFIG, ~/.kube/config or in-cluster. */
  kubeconfig?: ClusterOptions['kubeconfig'];
  /** Poll metrics.k8s.io (default on). */
  metrics?: boolean;
  /** The hardware controller (HDMI switch, audio, power); without one, hardware is unconfigured. */
  hardware?: HardwareBackend;
}

export interface Host {
  api: HostApi;
  health: HealthBoard;
  dispose(): Promise<void>;
}

/** Composes the capabilities into one `HostApi`, the same for Electron and the web host. */
export async function createHost(options: HostOptions): Promise<Host> {
  const health = new HealthBoard();
  const nodeName = options.nodeName ?? process.env.KUBEDESK_NODE_NAME ?? hostname();
  const system = createSystem({
    version: packageVersion(),
    nodeName,
    host: options.host,
    capabilities: Object.keys(hostSpec),
    health,
  });
  const cluster = createCluster({
    health,
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
  });
  const hardware = createHardware({ health, ...(options.hardware ? { backend: options.hardware } : {}) });
  return {
    api: { system, cluster: cluster.api, hardware: hardware.api },
    health,
    async dispose() {
      hardware.dispose();
      cluster.dispose();
    },
  };
}
