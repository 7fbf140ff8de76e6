import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

export const healthStates = ['ok', 'degraded', 'down', 'starting'] as const;
export type HealthState = (typeof healthStates)[number];

/** How one capability of the host is doing, in words a person can act on. */
export interface CapabilityHealth {
  /** The capability's name in `HostApi`, e.g. `system`, `cluster`. */
  capability: string;
  state: HealthState;
  /** One line for the status bar, e.g. "apiserver unreachable: connect ECONNREFUSED". */
  message: string;
  /** ISO time of the last change of `state`. */
  since: string;
}

export interface SystemInfo {
  product: 'Kubedesk';
  version: string;
  /** The Kubernetes node this host runs on (the display node for the shell). */
  nodeName: string;
  /** Which runtime serves the contract: the Electron shell or the web host. */
  host: 'electron' | 'web';
  /** ISO time the host started. */
  startedAt: string;
  /** Capabilities this host exposes; the renderer shows only these. */
  capabilities: string[];
}

/** The host itself: what it is and how its capabilities are doing. */
export interface SystemApi {
  info(): Promise<SystemInfo>;
  /** Health of every capability, in a stable order. */
  health(): Promise<CapabilityHealth[]>;
  /** Called with the whole health list at once on subscribe and on every change. */
  onHealth(listener: Listener<CapabilityHealth[]>): Disposable;
}

export const systemSpec = defineCapability<SystemApi>()({
  methods: {
    info: z.tuple([]),
    health: z.tuple([]),
  },
  events: {
    onHealth: z.tuple([]),
  },
});
