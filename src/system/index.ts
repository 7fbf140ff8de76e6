import type { CapabilityHealth, Disposable, Listener, SystemApi, SystemInfo } from '../contract/index.js';
import type { HealthBoard } from './health.js';

export { HealthBoard } from './health.js';

export interface SystemOptions {
  version: string;
  nodeName: string;
  host: SystemInfo['host'];
  capabilities: string[];
  health: HealthBoard;
  startedAt?: Date;
}

/** The `system` capability: what this host is, and the health of everything it serves. */
export function createSystem(options: SystemOptions): SystemApi {
  const startedAt = (options.startedAt ?? new Date()).toISOString();
  options.health.report('system', 'ok', `Kubedesk ${options.version} on ${options.nodeName}`);
  return {
    async info(): Promise<SystemInfo> {
      return {
        product: 'Kubedesk',
        version: options.version,
        nodeName: options.nodeName,
        host: options.host,
        startedAt,
        capabilities: [...options.capabilities],
      };
    },
    async health(): Promise<CapabilityHealth[]> {
      return options.health.snapshot();
    },
    onHealth(listener: Listener<CapabilityHealth[]>): Disposable {
      let active = true;
      const subscription = options.health.subscribe(listener);
      // Subscribers get the current state at once, so a reconnecting peer is never stale.
      queueMicrotask(() => active && listener(options.health.snapshot()));
      return {
        dispose() {
          active = false;
          subscription.dispose();
        },
      };
    },
  };
}
