import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

export type PowerAction = 'on' | 'off' | 'cycle';

/** Where an operation is; the order of an off is cordon → drain → shutdown → wait → off. */
export type PowerPhase =
  | 'cordoning'
  | 'draining'
  | 'shutting-down'
  | 'waiting-not-ready'
  | 'switching-off'
  | 'switching-on'
  | 'waiting-ready'
  | 'uncordoning'
  | 'done'
  | 'failed';

export interface DrainProgress {
  /** Pods to move off the node (not DaemonSet pods, not mirror pods, not finished ones). */
  total: number;
  /** Evicted and gone. */
  evicted: number;
  /** Pods a PodDisruptionBudget keeps in place for now, `namespace/name`. */
  blocked: string[];
}

export interface PowerOperation {
  action: PowerAction;
  phase: PowerPhase;
  /** One line for the node card: "draining: 3 of 5 pods moved", "waiting for NotReady (40 s left)". */
  message: string;
  /** ISO time the operation began. */
  since: string;
  drain: DrainProgress | null;
}

/** One node's power, as the node card shows it next to Ready. */
export interface NodePower {
  node: string;
  /** Its port in the `kubedesk-hardware` ConfigMap; null when it has none. */
  port: string | null;
  /** What the controller says about the port; null when unknown (no port, controller offline). */
  on: boolean | null;
  /**
   * Power and the node disagree, in words: "the port is off but the node is Ready" (a wrong
   * port in the ConfigMap?), "the port is on but the node is NotReady". Null when they agree,
   * or while an operation is under way.
   */
  mismatch: string | null;
  /** The operation under way, or the last one until the next begins. */
  operation: PowerOperation | null;
}

/**
 * Node power from the cluster panel. Off: cordon, drain through the eviction API (respecting
 * PodDisruptionBudgets), shut down cleanly, then the port off once the node is NotReady or a
 * timeout passes. On: the port on, wait for Ready, uncordon. Cycle: a clean off, then on.
 * One operation per node at a time; methods resolve when the operation ends.
 */
export interface PowerApi {
  /** Every node with a port or an operation, at once and on every change. */
  onNodes(listener: Listener<NodePower[]>): Disposable;
  powerOn(node: string): Promise<NodePower>;
  powerOff(node: string): Promise<NodePower>;
  cycle(node: string): Promise<NodePower>;
}

const nodeName = z.string().min(1).max(253);

export const powerSpec = defineCapability<PowerApi>()({
  methods: {
    powerOn: z.tuple([nodeName]),
    powerOff: z.tuple([nodeName]),
    cycle: z.tuple([nodeName]),
  },
  events: {
    onNodes: z.tuple([]),
  },
});
