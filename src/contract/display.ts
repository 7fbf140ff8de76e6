import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/** The steps of a switch, in order; a failure names the step it happened in. */
export const displaySteps = ['hdmi', 'audio', 'cec', 'release', 'claim'] as const;
export type DisplayStep = (typeof displaySteps)[number];

/** What the `kubedesk-hardware` ConfigMap says about one node. */
export interface DisplayNode {
  name: string;
  /** Its HDMI input on the switch; null when it has none (not wired to the screen). */
  hdmi: string | null;
  /** Its audio input; null when none. */
  audio: string | null;
  /** Its power port; null when none. */
  power: string | null;
  /** The physical address of its TV input, for CEC; null when not used. */
  cec: string | null;
}

export interface DisplaySwitch {
  from: string | null;
  to: string;
  step: DisplayStep;
  /** ISO time the switch began. */
  since: string;
  /** Who asked: a person ("request") or the hotplug policy. */
  cause: 'request' | 'hotplug';
}

export interface DisplayOutcome {
  to: string;
  ok: boolean;
  /** In words: "pi-3 is on the screen (1.4 s)", or what failed, and what was put back. */
  message: string;
  /** ISO time it ended. */
  at: string;
}

export interface DisplayStatus {
  /** The node holding `kubedesk.io/display=active`; null when none does. */
  active: string | null;
  switching: DisplaySwitch | null;
  last: DisplayOutcome | null;
  /** Nodes the ConfigMap knows, in natural order. */
  nodes: DisplayNode[];
  /**
   * Whether the HDMI hotplug label moves the screen: `follow` when a node's screen is plugged
   * in, the display moves there (for desks without a switch, where moving the cable is the
   * switch); `ignore` leaves it to requests.
   */
  hotplug: 'follow' | 'ignore';
  /** What is wrong with the ConfigMap, when something is; null when it reads fine or is absent. */
  configError: string | null;
}

/**
 * The screen: which node it shows, and moving it. A switch sets the hardware's HDMI and audio
 * inputs to the node's (from the `kubedesk-hardware` ConfigMap), makes it the CEC active source
 * where configured, then moves the `kubedesk.io/display=active` label: off the old holder first,
 * then onto the new one, so no moment has two holders. The shell DaemonSet follows the label.
 * A failure half-way puts back what was done and says so; only one switch runs at a time.
 */
export interface DisplayApi {
  status(): Promise<DisplayStatus>;
  /** The status at once, then on every change. */
  onStatus(listener: Listener<DisplayStatus>): Disposable;
  /** Resolves when the switch is done; rejects with what failed and what was rolled back. */
  switchTo(node: string): Promise<DisplayStatus>;
}

export const displaySpec = defineCapability<DisplayApi>()({
  methods: {
    status: z.tuple([]),
    switchTo: z.tuple([z.string().min(1).max(253)]),
  },
  events: {
    onStatus: z.tuple([]),
  },
});
