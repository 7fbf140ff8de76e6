import {
  KubedeskError,
  type AudioCommand,
  type HardwareApi,
  type HardwareState,
  type HardwareStatus,
  type Listener,
} from '../contract/index.js';
import type { HealthBoard } from '../system/index.js';
import type { HardwareBackend, Watch } from './backend.js';
import { HardwareClient, type HardwareClientOptions } from './client.js';

export type { HardwareBackend, Watch, WatchHandlers } from './backend.js';
export { HardwareClient, type HardwareClientOptions } from './client.js';
export { hardwareFromSettings, type HardwareSettings } from './config.js';
export {
  startHardwareSimulator,
  type HardwareSimulator,
  type SimulatorBehaviour,
  type SimulatorOptions,
} from './simulator.js';

export interface HardwareOptions {
  health: HealthBoard;
  /** The controller; without one the capability says it is unconfigured and refuses commands. */
  backend?: HardwareBackend;
}

export interface Hardware {
  api: HardwareApi;
  /** The last state known, for other capabilities (display, power) in the same host. */
  current(): HardwareStatus;
  dispose(): void;
}

/** A backend for a controller that speaks Hardware API v1 at `url`. */
export function hardwareClient(options: HardwareClientOptions): HardwareBackend {
  return new HardwareClient(options);
}

/**
 * The `hardware` capability: the controller's state, followed live, and its commands. Whether
 * it is online is decided by the event stream alone: a command that fails says why to its
 * caller, but a stream that delivers proves the controller is there.
 */
export function createHardware(options: HardwareOptions): Hardware {
  const backend = options.backend;
  const listeners = new Set<Listener<HardwareStatus>>();
  let status: HardwareStatus = {
    connection: backend ? 'connecting' : 'unconfigured',
    since: new Date().toISOString(),
    controller: backend?.description ?? null,
    message: backend ? `connecting to ${backend.description}` : 'no hardware controller is configured',
    state: null,
  };
  let watch: Watch | undefined;

  function publish(next: Partial<HardwareStatus>): void {
    const connection = next.connection ?? status.connection;
    const updated: HardwareStatus = {
      ...status,
      ...next,
      since: connection !== status.connection ? new Date().toISOString() : status.since,
    };
    if (JSON.stringify(updated) === JSON.stringify(status)) {
      return;
    }
    status = updated;
    reportHealth();
    for (const listener of [...listeners]) {
      listener(structuredClone(status));
    }
  }

  function reportHealth(): void {
    switch (status.connection) {
      case 'unconfigured':
        // A desk without a controller is a real setup (hotplug alone moves the screen): not a fault.
        options.health.report('hardware', 'ok', status.message);
        break;
      case 'connecting':
        options.health.report('hardware', 'starting', status.message);
        break;
      case 'online':
        options.health.report('hardware', 'ok', `online: ${status.state?.firmware ?? status.controller}`);
        break;
      case 'offline':
        options.health.report('hardware', 'down', `offline: ${status.message}`);
        break;
    }
  }

  reportHealth();
  if (backend) {
    watch = backend.watch({
      onState(state) {
        publish({ connection: 'online', message: 'online', state });
      },
      onDown(error) {
        publish({ connection: 'offline', message: error.message });
      },
    });
  }

  async function command(run: (backend: HardwareBackend) => Promise<HardwareState>): Promise<HardwareState> {
    if (!backend) {
      throw new KubedeskError('unavailable', status.message, 'HardwareError');
    }
    const state = await run(backend);
    // The stream will carry the change too; showing it now saves a round trip. An answer while
    // offline means the controller is back: the stream need not wait out its backoff.
    publish({ state });
    if (status.connection === 'offline') {
      watch?.retryNow();
    }
    return state;
  }

  const api: HardwareApi = {
    async state() {
      return structuredClone(status);
    },
    onState(listener) {
      listeners.add(listener);
      let active = true;
      queueMicrotask(() => active && listener(structuredClone(status)));
      return {
        dispose() {
          active = false;
          listeners.delete(listener);
        },
      };
    },
    setHdmi: (input: string) => command((controller) => controller.setHdmi(input)),
    setAudio: (change: AudioCommand) => command((controller) => controller.setAudio(change)),
    setPower: (port: string, on: boolean) => command((controller) => controller.setPower(port, on)),
    cyclePower: (port: string) => command((controller) => controller.cyclePower(port)),
  };

  return {
    api,
    current: () => structuredClone(status),
    dispose() {
      watch?.dispose();
      listeners.clear();
    },
  };
}
