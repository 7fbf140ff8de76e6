import type { KubeConfig } from '@kubernetes/client-node';
import {
  KubedeskError,
  terminalOpenSchema,
  type Disposable,
  type TerminalApi,
  type TerminalInfo,
} from '../contract/index.js';
import { defaultStateDirectory, HistoryStore } from './history.js';
import { gatherProcesses, killProcess } from './processes.js';
import { TerminalSession } from './session.js';
import { ENTER_HOST, openLocalShell, openNodeShell } from './shell.js';

export { BATCH_DURATION_MS, BATCH_MAX_BYTES, HIGH_WATERMARK_BYTES, LOW_WATERMARK_BYTES, OutputPipe } from './flow.js';
export { defaultStateDirectory, HistoryStore } from './history.js';
export { OscTracker } from './osc.js';
export { gatherProcesses, killProcess, mayExec, parsePs, PS_COMMAND, selectProcesses } from './processes.js';
export { ENTER_HOST } from './shell.js';

/** The exec stream is pinged this often: well under the idle cut-offs of proxies and NAT (60 s+). */
export const KEEPALIVE_MS = 20_000;
/** A tab whose page went away keeps its shell this long, for a reload or a reconnect to find it. */
export const DETACHED_GRACE_MS = 10 * 60_000;

export interface TerminalOptions {
  /** The cluster's kubeconfig, once there is one. */
  config(): KubeConfig | undefined;
  /** The node this host runs on: its tabs get a local pty. */
  nodeName: string;
  /** History lives under `<stateDirectory>/terminal`; `~/.local/state/kubedesk` by default. */
  stateDirectory?: string;
  /**
   * What the node shell runs before the shell: `nsenter -t 1 -a --` by default. The local
   * cluster's simulated nodes pass `[]`: their exec already runs on the "host" (see docs/terminal.md).
   */
  enterHost?: string[];
  keepaliveMs?: number;
  detachedGraceMs?: number;
}

export interface TerminalService {
  api: TerminalApi;
  /** A peer's view: its tabs are detached (kept for a while) when it goes away. */
  forPeer(): { api: TerminalApi; dispose(): void };
  dispose(): Promise<void>;
}

export function createTerminal(options: TerminalOptions): TerminalService {
  const history = new HistoryStore(options.stateDirectory ?? defaultStateDirectory());
  const enterHost = options.enterHost ?? ENTER_HOST;
  const keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
  const graceMs = options.detachedGraceMs ?? DETACHED_GRACE_MS;
  const sessions = new Map<string, TerminalSession>();
  const detachTimers = new Map<string, ReturnType<typeof setTimeout>>();

  function config(): KubeConfig {
    const loaded = options.config();
    if (!loaded) {
      throw new KubedeskError('unavailable', 'no cluster connection yet (no kubeconfig)');
    }
    return loaded;
  }

  const context = {
    history,
    kindOf: (node: string): TerminalInfo['kind'] => (node === options.nodeName ? 'pty' : 'exec'),
    async open(node: string, command: string[], columns: number, rows: number) {
      if (node === options.nodeName) {
        return openLocalShell(command, columns, rows);
      }
      return openNodeShell(config(), node, command, columns, rows, { enterHost, keepaliveMs });
    },
  };

  function session(tab: string): TerminalSession {
    const found = sessions.get(tab);
    if (!found) {
      throw new KubedeskError('not-found', `no terminal tab "${tab}"`);
    }
    return found;
  }

  async function infoOf(found: TerminalSession): Promise<TerminalInfo> {
    return { ...found.info(), historyLength: (await history.load(found.tab)).length };
  }

  function attached(tab: string): void {
    clearTimeout(detachTimers.get(tab));
    detachTimers.delete(tab);
  }

  function detach(tab: string): void {
    if (!sessions.has(tab) || detachTimers.has(tab)) {
      return;
    }
    detachTimers.set(
      tab,
      setTimeout(() => {
        detachTimers.delete(tab);
        sessions.get(tab)?.close();
        sessions.delete(tab);
      }, graceMs),
    );
  }

  const api: TerminalApi = {
    async open(input) {
      const request = terminalOpenSchema.parse(input);
      attached(request.tab);
      const existing = sessions.get(request.tab);
      if (existing && existing.info().state !== 'closed') {
        existing.resize(request.columns, request.rows);
        return infoOf(existing);
      }
      const created = new TerminalSession(
        request.tab,
        request.node,
        request.persistent,
        request.directory ?? null,
        request.columns,
        request.rows,
        context,
      );
      sessions.set(request.tab, created);
      try {
        await created.start();
      } catch (error) {
        // The session keeps retrying in the background; the caller learns why it is not open yet.
        if (error instanceof KubedeskError) {
          throw error;
        }
        throw new KubedeskError('unavailable', (error as Error).message);
      }
      return infoOf(created);
    },
    async moveTo(tab, node) {
      const found = session(tab);
      try {
        await found.moveTo(node);
      } catch (error) {
        throw new KubedeskError('unavailable', (error as Error).message);
      }
      return infoOf(found);
    },
    async write(tab, data) {
      session(tab).write(data);
    },
    async resize(tab, columns, rows) {
      session(tab).resize(columns, rows);
    },
    async acknowledge(tab, bytes) {
      session(tab).pipe.acknowledge(bytes);
    },
    async close(tab) {
      attached(tab);
      sessions.get(tab)?.close();
      sessions.delete(tab);
    },
    async list() {
      return Promise.all([...sessions.values()].map(infoOf));
    },
    onOutput(tab, listener): Disposable {
      const dispose = session(tab).onOutput(listener);
      return { dispose };
    },
    onInfo(tab, listener): Disposable {
      const dispose = session(tab).onInfo(listener);
      return { dispose };
    },
    async processes(query) {
      return gatherProcesses(config(), query, { enterHost });
    },
    async kill(node, pid, signal) {
      try {
        await killProcess(config(), node, pid, signal, { enterHost });
      } catch (error) {
        const message = (error as Error).message;
        throw new KubedeskError(message.startsWith('not allowed') ? 'unauthorized' : 'unavailable', message);
      }
    },
  };

  return {
    api,
    forPeer() {
      const tabs = new Set<string>();
      return {
        api: {
          ...api,
          async open(input) {
            const info = await api.open(input);
            tabs.add(info.tab);
            return info;
          },
          async close(tab) {
            tabs.delete(tab);
            await api.close(tab);
          },
        },
        dispose() {
          for (const tab of tabs) {
            detach(tab);
          }
        },
      };
    },
    async dispose() {
      for (const timer of detachTimers.values()) {
        clearTimeout(timer);
      }
      for (const found of sessions.values()) {
        found.close();
      }
      sessions.clear();
      await history.flush();
    },
  };
}
