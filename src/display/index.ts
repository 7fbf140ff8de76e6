/**
 * The `display` capability: which node the screen shows, and moving it there (DESIGN.md, flow 2).
 * See `DisplayApi` in src/contract/display.ts for the promises it keeps.
 */
import {
  KubedeskError,
  type DisplayApi,
  type DisplayStatus,
  type DisplayStep,
  type HardwareStatus,
  type Listener,
  type NodeSummary,
} from '../contract/index.js';
import type { Cluster } from '../cluster/index.js';
import type { CecClient } from '../hardware/drivers/index.js';
import type { Hardware } from '../hardware/index.js';
import type { HealthBoard } from '../system/index.js';
import { HARDWARE_MAP_NAME, type HardwareMap, type HardwareMapWatcher } from './hardware-map.js';
import { DISPLAY_ACTIVE, displayHolders, getNode, setDisplayLabel } from './labels.js';

export {
  EMPTY_MAP,
  HARDWARE_MAP_KEY,
  HARDWARE_MAP_NAME,
  HARDWARE_MAP_NAMESPACE,
  HardwareMapWatcher,
  parseHardwareMap,
  type HardwareMap,
} from './hardware-map.js';
export { DISPLAY_ACTIVE, displayHolders, setDisplayLabel } from './labels.js';

export interface DisplayOptions {
  health: HealthBoard;
  cluster: Pick<Cluster, 'config' | 'api'>;
  hardware: Pick<Hardware, 'api' | 'current'>;
  map: HardwareMapWatcher;
  /** For nodes with a `cec` address in the ConfigMap. */
  cec?: CecClient;
  log?: (line: string) => void;
}

export interface Display {
  api: DisplayApi;
  dispose(): void;
}

const collator = new Intl.Collator(undefined, { numeric: true });

/** A hardware controller that has an HDMI switch: its inputs decide where the screen goes. */
function hasSwitch(hardware: HardwareStatus): boolean {
  return hardware.connection !== 'unconfigured' && (hardware.state === null || hardware.state.hdmi.inputs.length > 0);
}

/** `follow` when the hotplug label moves the screen (see `DisplayStatus.hotplug`). */
export function hotplugPolicy(map: HardwareMap, hardware: HardwareStatus): 'follow' | 'ignore' {
  if (map.hotplug === 'auto') {
    return hasSwitch(hardware) ? 'ignore' : 'follow';
  }
  return map.hotplug;
}

export function createDisplay(options: DisplayOptions): Display {
  const log = options.log ?? (() => undefined);
  const nodes = new Map<string, NodeSummary>();
  const listeners = new Set<Listener<DisplayStatus>>();
  let switching: DisplayStatus['switching'] = null;
  let last: DisplayStatus['last'] = null;
  let nodesKnown = false;

  function activeNode(): string | null {
    const holders = [...nodes.values()].filter((node) => node.displayActive).map((node) => node.name);
    return holders.sort(collator.compare)[0] ?? null;
  }

  function status(): DisplayStatus {
    const map = options.map.current;
    return {
      active: activeNode(),
      switching: switching ? { ...switching } : null,
      last: last ? { ...last } : null,
      nodes: [...map.nodes.values()].map((node) => ({ ...node })),
      hotplug: hotplugPolicy(map, options.hardware.current()),
      configError: map.error,
    };
  }

  let published = '';
  function publish(): void {
    const current = status();
    const text = JSON.stringify(current);
    if (text === published) {
      return;
    }
    published = text;
    if (current.configError) {
      options.health.report('display', 'degraded', current.configError);
    } else if (last && !last.ok) {
      options.health.report('display', 'degraded', last.message);
    } else {
      options.health.report(
        'display',
        'ok',
        current.active ? `${current.active} is on the screen` : 'no node holds the screen',
      );
    }
    for (const listener of [...listeners]) {
      listener(structuredClone(current));
    }
  }

  interface Undo {
    what: string;
    run(): Promise<unknown>;
  }

  async function switchTo(target: string, cause: 'request' | 'hotplug'): Promise<DisplayStatus> {
    if (switching) {
      throw new KubedeskError('conflict', `the screen is already moving to ${switching.to}`, 'DisplayError');
    }
    const config = options.cluster.config();
    if (!config) {
      throw new KubedeskError('unavailable', 'no cluster: the kubeconfig is not loaded', 'DisplayError');
    }
    const started = Date.now();
    switching = { from: activeNode(), to: target, step: 'hdmi', since: new Date(started).toISOString(), cause };
    publish();
    const undo: Undo[] = [];
    let step: DisplayStep = 'hdmi';
    const enter = (next: DisplayStep) => {
      step = next;
      switching = { ...switching!, step };
      publish();
    };
    try {
      await options.map.synced();
      if (!(await getNode(config, target))) {
        throw new KubedeskError('not-found', `the cluster has no node "${target}"`, 'DisplayError');
      }
      const entry = options.map.current.nodes.get(target);
      const hardware = options.hardware.current();
      const holders = await displayHolders(config);
      const previousEntry = holders.map((name) => options.map.current.nodes.get(name)).find((found) => found);

      // 1. The screen's input.
      if (hasSwitch(hardware)) {
        if (!entry?.hdmi) {
          throw new KubedeskError(
            'not-found',
            `${target} has no HDMI input in the ${HARDWARE_MAP_NAME} ConfigMap, so the switch cannot show it`,
            'DisplayError',
          );
        }
        const before = hardware.state?.hdmi.active ?? null;
        await options.hardware.api.setHdmi(entry.hdmi);
        if (before !== null && before !== entry.hdmi) {
          undo.push({ what: `HDMI back to input ${before}`, run: () => options.hardware.api.setHdmi(before) });
        }
      }

      // 2. The sound.
      enter('audio');
      const audioNow = options.hardware.current().state?.audio.active ?? null;
      if (entry?.audio && hardware.connection !== 'unconfigured' && audioNow !== entry.audio) {
        await options.hardware.api.setAudio({ active: entry.audio });
        if (audioNow !== null) {
          undo.push({
            what: `audio back to input ${audioNow}`,
            run: () => options.hardware.api.setAudio({ active: audioNow }),
          });
        }
      }

      // 3. The TV's input, through CEC.
      enter('cec');
      if (entry?.cec && options.cec) {
        await options.cec.activeSource(entry.cec);
        const previousCec = previousEntry?.cec;
        if (previousCec) {
          undo.push({ what: `CEC back to ${previousCec}`, run: () => options.cec!.activeSource(previousCec) });
        }
      }

      // 4. Off the old holders first, so that no moment has two.
      enter('release');
      for (const holder of holders.filter((name) => name !== target)) {
        await setDisplayLabel(config, holder, null);
        undo.push({
          what: `the display label back on ${holder}`,
          run: () => setDisplayLabel(config, holder, DISPLAY_ACTIVE),
        });
      }

      // 5. Onto the new one: the shell DaemonSet follows.
      enter('claim');
      if (!holders.includes(target)) {
        await setDisplayLabel(config, target, DISPLAY_ACTIVE);
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      last = {
        to: target,
        ok: true,
        message: `${target} is on the screen (${seconds} s)`,
        at: new Date().toISOString(),
      };
      log(`display: ${last.message}${cause === 'hotplug' ? ' (hotplug)' : ''}`);
      // The label change reaches the node list through the cluster's watch; show it now.
      const known = nodes.get(target);
      if (known) {
        for (const holder of holders.filter((name) => name !== target)) {
          const old = nodes.get(holder);
          if (old) {
            nodes.set(holder, { ...old, displayActive: false });
          }
        }
        nodes.set(target, { ...known, displayActive: true });
      }
      return status();
    } catch (error) {
      const reason = (error as Error).message;
      const undone: string[] = [];
      const failed: string[] = [];
      for (const action of undo.reverse()) {
        try {
          await action.run();
          undone.push(action.what);
        } catch (undoError) {
          failed.push(`${action.what} (${(undoError as Error).message})`);
        }
      }
      const rollback =
        undo.length === 0
          ? 'nothing had changed'
          : failed.length === 0
            ? `put back: ${undone.join(', ')}`
            : `put back: ${undone.join(', ') || 'nothing'}; could not put back: ${failed.join(', ')}`;
      const message = `switching the screen to ${target} failed at ${step}: ${reason}; ${rollback}`;
      last = { to: target, ok: false, message, at: new Date().toISOString() };
      log(`display: ${message}`);
      throw new KubedeskError(
        error instanceof KubedeskError && error.code !== 'internal' ? error.code : 'unavailable',
        message,
        'DisplayError',
      );
    } finally {
      switching = null;
      publish();
    }
  }

  // ---- the hotplug policy ----

  function followHotplug(previous: Map<string, NodeSummary['hdmi']>): void {
    if (switching || hotplugPolicy(options.map.current, options.hardware.current()) !== 'follow') {
      return;
    }
    const active = activeNode();
    const connected = [...nodes.values()]
      .filter((node) => node.hdmi === 'connected')
      .map((node) => node.name)
      .sort(collator.compare);
    const plugged = connected.filter((name) => previous.get(name) !== 'connected' && previous.has(name));
    let target: string | undefined;
    if (plugged.length > 0 && !plugged.includes(active ?? '')) {
      // A screen was just plugged into this node: the person moved the cable there.
      target = plugged[0];
    } else if (active !== null && !connected.includes(active) && nodes.get(active)?.hdmi === 'disconnected') {
      target = connected[0];
    } else if (active === null && connected.length === 1) {
      target = connected[0];
    }
    if (target !== undefined && target !== active) {
      switchTo(target, 'hotplug').catch(() => undefined);
    }
  }

  const nodeSubscription = options.cluster.api.onNodes((update) => {
    const previous = new Map([...nodes].map(([name, node]) => [name, node.hdmi]));
    if (update.kind === 'snapshot') {
      nodes.clear();
      for (const node of update.items) {
        nodes.set(node.name, node);
      }
    } else {
      for (const node of update.upserts) {
        nodes.set(node.name, node);
      }
      for (const name of update.removals) {
        nodes.delete(name);
      }
    }
    publish();
    if (nodesKnown) {
      followHotplug(previous);
    } else if (nodes.size > 0) {
      nodesKnown = true;
      followHotplug(new Map([...nodes].map(([name, node]) => [name, node.hdmi])));
    }
  });
  const mapSubscription = options.map.onChange(() => publish());
  /**
   * The hardware follows the label. A controller that went away mid-switch may have set the
   * HDMI input but not the audio one, and the rollback could not reach it: when it is back,
   * both are put on the inputs of the node that holds the screen, so the desk is never left
   * half on one node and half on another.
   */
  let wasOnline = options.hardware.current().connection === 'online';
  async function reconcileHardware(): Promise<void> {
    const holder = activeNode();
    const entry = holder ? options.map.current.nodes.get(holder) : undefined;
    const state = options.hardware.current().state;
    if (!holder || !entry || !state || switching) {
      return;
    }
    const fixes: string[] = [];
    if (entry.hdmi && state.hdmi.active !== entry.hdmi && state.hdmi.inputs.includes(entry.hdmi)) {
      await options.hardware.api.setHdmi(entry.hdmi);
      fixes.push(`HDMI ${state.hdmi.active ?? 'none'} → ${entry.hdmi}`);
    }
    if (entry.audio && state.audio.active !== entry.audio) {
      await options.hardware.api.setAudio({ active: entry.audio });
      fixes.push(`audio ${state.audio.active ?? 'none'} → ${entry.audio}`);
    }
    if (fixes.length > 0) {
      log(`display: the controller is back; put it on ${holder}'s inputs again (${fixes.join(', ')})`);
    }
  }
  const hardwareSubscription = options.hardware.api.onState((hardware) => {
    const online = hardware.connection === 'online';
    if (online && !wasOnline) {
      void reconcileHardware().catch((error: unknown) =>
        log(`display: cannot put the controller right: ${(error as Error).message}`),
      );
    }
    wasOnline = online;
    publish();
  });
  publish();

  const api: DisplayApi = {
    async status() {
      return status();
    },
    onStatus(listener) {
      listeners.add(listener);
      let active = true;
      queueMicrotask(() => active && listener(status()));
      return {
        dispose() {
          active = false;
          listeners.delete(listener);
        },
      };
    },
    switchTo: (node: string) => switchTo(node, 'request'),
  };

  return {
    api,
    dispose() {
      nodeSubscription.dispose();
      mapSubscription.dispose();
      hardwareSubscription.dispose();
      listeners.clear();
    },
  };
}
