/**
 * The `power` capability: node power on, off and cycle from the cluster panel, with the drain
 * and the waits in between (see `PowerApi` in src/contract/power.ts).
 */
import {
  KubedeskError,
  type Listener,
  type NodePower,
  type NodeSummary,
  type PowerAction,
  type PowerApi,
  type PowerOperation,
  type PowerPhase,
} from '../contract/index.js';
import type { Cluster } from '../cluster/index.js';
import { HARDWARE_MAP_NAME, type HardwareMapWatcher } from '../display/index.js';
import type { Hardware } from '../hardware/index.js';
import type { HealthBoard } from '../system/index.js';
import { getNode } from '../display/labels.js';
import { DrainError, drainNode, setCordoned } from './drain.js';
import { bootId, isReady, waitForBoot } from './boot.js';

export { DRAIN_TIMEOUT_MS, drainNode, EVICTION_RETRY_MS, movable, setCordoned } from './drain.js';

/** A clean shutdown of a Pi (SD card flushed) takes well under a minute. */
export const SHUTDOWN_TIMEOUT_MS = 60_000;
/** A Pi 4 boots to a Ready kubelet in 30 to 90 s; three minutes means it will not. */
export const BOOT_TIMEOUT_MS = 180_000;

/**
 * Shuts a node down cleanly (in the design: `systemctl poweroff` through the agent's privileged
 * node shell). Pluggable because that node shell belongs to the terminal capability; without one
 * the power is cut right after the drain.
 */
export type NodeShutdown = (node: string) => Promise<void>;

export interface PowerOptions {
  health: HealthBoard;
  cluster: Pick<Cluster, 'config' | 'api'>;
  hardware: Pick<Hardware, 'api' | 'current'>;
  map: HardwareMapWatcher;
  shutdown?: NodeShutdown;
  drainTimeoutMs?: number;
  evictionRetryMs?: number;
  shutdownTimeoutMs?: number;
  bootTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Power {
  api: PowerApi;
  dispose(): void;
}

const collator = new Intl.Collator(undefined, { numeric: true });

export function createPower(options: PowerOptions): Power {
  const log = options.log ?? (() => undefined);
  const nodes = new Map<string, NodeSummary>();
  const operations = new Map<string, PowerOperation>();
  const running = new Set<string>();
  const listeners = new Set<Listener<NodePower[]>>();
  const nodeWaiters = new Set<() => void>();

  function portOf(node: string): string | null {
    return options.map.current.nodes.get(node)?.power ?? null;
  }

  function describe(node: string): NodePower {
    const port = portOf(node);
    const hardware = options.hardware.current();
    const on =
      port !== null && hardware.connection === 'online' && hardware.state && Object.hasOwn(hardware.state.power, port)
        ? hardware.state.power[port]!
        : null;
    const operation = operations.get(node) ?? null;
    const busy = running.has(node);
    const ready = nodes.get(node)?.ready ?? null;
    let mismatch: string | null = null;
    if (!busy && on === false && ready === true) {
      mismatch = `port ${port} is off but the node is Ready: is ${port} really ${node}'s port in ${HARDWARE_MAP_NAME}?`;
    } else if (!busy && on === true && ready === false) {
      mismatch = `port ${port} is on but the node is NotReady`;
    }
    return { node, port, on, mismatch, operation: operation ? structuredClone(operation) : null };
  }

  function list(): NodePower[] {
    const names = new Set<string>([...operations.keys()]);
    for (const [name, entry] of options.map.current.nodes) {
      if (entry.power !== null) {
        names.add(name);
      }
    }
    return [...names].sort(collator.compare).map(describe);
  }

  let published = '';
  function publish(): void {
    const current = list();
    const text = JSON.stringify(current);
    if (text === published) {
      return;
    }
    published = text;
    const mismatches = current.filter((entry) => entry.mismatch !== null);
    options.health.report(
      'power',
      mismatches.length > 0 ? 'degraded' : 'ok',
      mismatches.length > 0
        ? `${mismatches[0]!.node}: ${mismatches[0]!.mismatch}`
        : `${current.filter((entry) => entry.port !== null).length} nodes on power ports`,
    );
    for (const listener of [...listeners]) {
      listener(structuredClone(current));
    }
  }

  /** Resolves when `test` holds for the node, false when the time runs out first. */
  function waitForNode(
    node: string,
    test: (summary: NodeSummary | undefined) => boolean,
    timeoutMs: number,
  ): Promise<boolean> {
    if (test(nodes.get(node))) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const check = () => {
        if (test(nodes.get(node))) {
          finish(true);
        }
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      function finish(result: boolean) {
        clearTimeout(timer);
        nodeWaiters.delete(check);
        resolve(result);
      }
      nodeWaiters.add(check);
    });
  }

  const nodeSubscription = options.cluster.api.onNodes((update) => {
    if (update.kind === 'snapshot') {
      nodes.clear();
      update.items.forEach((node) => nodes.set(node.name, node));
    } else {
      update.upserts.forEach((node) => nodes.set(node.name, node));
      update.removals.forEach((name) => nodes.delete(name));
    }
    for (const waiter of [...nodeWaiters]) {
      waiter();
    }
    publish();
  });
  const mapSubscription = options.map.onChange(() => publish());
  const hardwareSubscription = options.hardware.api.onState(() => publish());

  /** Runs one operation on a node: one at a time per node, every phase published. */
  async function operate(
    node: string,
    action: PowerAction,
    body: (phase: (next: PowerPhase, message: string) => void) => Promise<void>,
  ): Promise<NodePower> {
    if (running.has(node)) {
      throw new KubedeskError(
        'conflict',
        `${node} is already being powered ${operations.get(node)?.action ?? ''}`.trim(),
        'PowerError',
      );
    }
    const config = options.cluster.config();
    if (!config) {
      throw new KubedeskError('unavailable', 'no cluster: the kubeconfig is not loaded', 'PowerError');
    }
    await options.map.synced();
    const port = portOf(node);
    if (port === null) {
      throw new KubedeskError(
        'not-found',
        `${node} has no power port in the ${HARDWARE_MAP_NAME} ConfigMap`,
        'PowerError',
      );
    }
    const hardware = options.hardware.current();
    if (hardware.connection !== 'online') {
      throw new KubedeskError(
        'unavailable',
        `the hardware controller is ${hardware.connection}: ${hardware.message}`,
        'PowerError',
      );
    }
    running.add(node);
    const operation: PowerOperation = {
      action,
      phase: 'cordoning',
      message: '',
      since: new Date().toISOString(),
      drain: null,
    };
    operations.set(node, operation);
    const phase = (next: PowerPhase, message: string) => {
      operation.phase = next;
      operation.message = message;
      log(`power ${action} ${node}: ${message}`);
      publish();
    };
    try {
      await body(phase);
      phase('done', action === 'off' ? `${node} is off` : `${node} is on and Ready`);
      return describe(node);
    } catch (error) {
      phase('failed', (error as Error).message);
      throw new KubedeskError(
        error instanceof KubedeskError ? error.code : 'unavailable',
        `powering ${node} ${action}: ${(error as Error).message}`,
        'PowerError',
      );
    } finally {
      running.delete(node);
      publish();
    }
  }

  async function off(node: string, phase: (next: PowerPhase, message: string) => void): Promise<void> {
    const config = options.cluster.config()!;
    const port = portOf(node)!;
    phase('cordoning', `cordoning ${node}`);
    await setCordoned(config, node, true);
    phase('draining', 'draining: listing pods');
    try {
      await drainNode(config, node, {
        ...(options.drainTimeoutMs !== undefined ? { timeoutMs: options.drainTimeoutMs } : {}),
        ...(options.evictionRetryMs !== undefined ? { retryMs: options.evictionRetryMs } : {}),
        onProgress(progress) {
          const operation = operations.get(node)!;
          operation.drain = progress;
          const held =
            progress.blocked.length > 0 ? `; held by a PodDisruptionBudget: ${progress.blocked.join(', ')}` : '';
          phase('draining', `draining: ${progress.evicted} of ${progress.total} pods moved${held}`);
        },
      });
    } catch (error) {
      // Pods already moved stay moved; the node takes new ones again, as before the request.
      await setCordoned(config, node, false).catch(() => undefined);
      throw new KubedeskError(
        'conflict',
        `${(error as Error).message}; ${node} was uncordoned and left on`,
        'PowerError',
      );
    }
    if (options.shutdown) {
      phase('shutting-down', `shutting ${node} down`);
      await options.shutdown(node);
      const timeoutMs = options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
      phase('waiting-not-ready', `waiting for ${node} to stop (at most ${Math.round(timeoutMs / 1000)} s)`);
      const stopped = await waitForNode(node, (summary) => summary?.ready !== true, timeoutMs);
      if (!stopped) {
        log(`power off ${node}: still Ready after ${timeoutMs} ms; cutting the power anyway`);
      }
    }
    phase('switching-off', `switching port ${port} off`);
    await options.hardware.api.setPower(port, false);
  }

  async function on(node: string, phase: (next: PowerPhase, message: string) => void): Promise<void> {
    const config = options.cluster.config()!;
    const port = portOf(node)!;
    const before = await getNode(config, node);
    const wasOn = options.hardware.current().state?.power[port] === true;
    const timeoutMs = options.bootTimeoutMs ?? BOOT_TIMEOUT_MS;
    if (!(wasOn && isReady(before))) {
      phase('switching-on', `switching port ${port} on`);
      await options.hardware.api.setPower(port, true);
      phase('waiting-ready', `waiting for ${node} to boot (at most ${Math.round(timeoutMs / 1000)} s)`);
      // A Pi cut off a moment ago may still show Ready: then only a new boot ID proves it came back.
      const ready = await waitForBoot(config, node, isReady(before) ? bootId(before) : '', timeoutMs);
      if (!ready) {
        const why = isReady(before)
          ? `it stayed Ready with the same boot ID throughout: is ${port} really its port in ${HARDWARE_MAP_NAME}?`
          : 'it stays cordoned';
        throw new KubedeskError(
          'timeout',
          `port ${port} is on but ${node} did not come up within ${Math.round(timeoutMs / 1000)} s; ${why}`,
          'PowerError',
        );
      }
    }
    phase('uncordoning', `uncordoning ${node}`);
    await setCordoned(config, node, false);
  }

  publish();

  const api: PowerApi = {
    onNodes(listener) {
      listeners.add(listener);
      let active = true;
      queueMicrotask(() => active && listener(list()));
      return {
        dispose() {
          active = false;
          listeners.delete(listener);
        },
      };
    },
    powerOff: (node) => operate(node, 'off', (phase) => off(node, phase)),
    powerOn: (node) => operate(node, 'on', (phase) => on(node, phase)),
    cycle: (node) =>
      operate(node, 'cycle', async (phase) => {
        await off(node, phase);
        await on(node, phase);
      }),
  };

  return {
    api,
    dispose() {
      nodeSubscription.dispose();
      mapSubscription.dispose();
      hardwareSubscription.dispose();
      listeners.clear();
      nodeWaiters.clear();
    },
  };
}

export { DrainError };
