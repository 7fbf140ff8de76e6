import type { HostApi } from '../src/contract/index';
import { createRpcClient, websocketTransport, type Transport } from '../src/rpc/index';
import { useStore } from './store/index';

/** What the Electron preload exposes as `window.kubedesk`: one channel, text frames. */
export interface Bridge {
  send(frame: string): void;
  onMessage(listener: (frame: string) => void): () => void;
}

declare global {
  interface Window {
    kubedesk?: Bridge;
  }
}

/** Reconnect backoff: quick at first (a host restart takes about a second), capped for a host that stays away. */
export const RECONNECT_FIRST_DELAY_MS = 250;
export const RECONNECT_MAX_DELAY_MS = 5_000;

export function reconnectDelay(attempt: number, random = Math.random): number {
  const base = Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_FIRST_DELAY_MS * 2 ** attempt);
  // ±20 % jitter, so many screens do not all knock at the same instant after a host restart.
  return Math.round(base * (0.8 + 0.4 * random()));
}

function bridgeTransport(bridge: Bridge): Transport {
  return {
    send: (frame) => bridge.send(frame),
    onMessage(listener) {
      const dispose = bridge.onMessage(listener);
      return { dispose };
    },
    // The Electron host lives as long as the window: the bridge never closes.
    onClose: () => ({ dispose() {} }),
  };
}

export const client = createRpcClient<HostApi>();
export const api = client.api;

function socketUrl(): string {
  const url = new URL('rpc', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** `shell`: the whole desktop. `keyboard`: a paired phone, which may reach only `input`. */
export type ConnectionMode = 'shell' | 'keyboard';

export interface ConnectOptions {
  mode?: ConnectionMode;
  /** Told when the host refuses the WebSocket (a phone that is not, or no longer, paired). */
  onRefused?: () => void;
}

let mode: ConnectionMode = 'shell';
let refused: (() => void) | undefined;
let stopped = false;

async function whenLive(): Promise<void> {
  useStore.getState().setConnection('live');
  // A new connection is a new peer: the host let go of every key the last one held.
  useStore.getState().resetModifiers();
  if (mode === 'keyboard') {
    return;
  }
  try {
    useStore.getState().setInfo(await api.system.info());
  } catch {
    // The connection dropped again at once; the next `live` fetches it.
  }
}

function connectWebSocket(attempt: number): void {
  if (stopped) {
    return;
  }
  const socket = new WebSocket(socketUrl());
  let opened = false;
  socket.addEventListener('open', () => {
    opened = true;
    client.attach(websocketTransport(socket));
    void whenLive();
  });
  socket.addEventListener('close', () => {
    if (stopped) {
      return;
    }
    if (!opened) {
      refused?.();
    }
    const next = opened ? 0 : attempt + 1;
    const delay = reconnectDelay(next);
    useStore.getState().setConnection('reconnecting', { attempt: next, nextAttemptAt: Date.now() + delay });
    window.setTimeout(() => connectWebSocket(next), delay);
  });
}

/** Stops reconnecting (a phone whose pairing ended shows the pairing form instead). */
export function disconnect(): void {
  stopped = true;
  client.detach();
}

/** Connects the store to the host: through the preload bridge in Electron, else the WebSocket. */
export function connect(options: ConnectOptions = {}): void {
  mode = options.mode ?? 'shell';
  refused = options.onRefused;
  stopped = false;
  api.input.onState((state) => useStore.getState().setInputState(state));
  if (mode === 'keyboard') {
    connectWebSocket(0);
    return;
  }
  api.pairing.onDevices((devices) => useStore.getState().setPairedDevices(devices));
  api.system.onHealth((health) => useStore.getState().setHealth(health));
  api.cluster.onStatus((status) => useStore.getState().setClusterStatus(status));
  api.cluster.onNodes((update) => useStore.getState().applyNodes(update));
  api.hardware.onState((status) => useStore.getState().setHardware(status));
  api.display.onStatus((status) => useStore.getState().setDisplayStatus(status));
  api.power.onNodes((list) => useStore.getState().setPower(list));
  api.apps.onCatalog((catalog) => useStore.getState().setCatalog(catalog));
  api.shell.onKeyboardVisible((visible) => useStore.getState().setKeyboardVisible(visible));
  api.apps.onSessions((sessions) => useStore.getState().setSessions(sessions));
  client.onError((error) => console.warn(`host: ${error.message}`));
  if (window.kubedesk) {
    client.attach(bridgeTransport(window.kubedesk));
    void whenLive();
  } else {
    connectWebSocket(0);
  }
}
