import {
  KubedeskError,
  MAX_TYPE_CHARACTERS,
  type Disposable,
  type InputApi,
  type InputState,
  type KeyName,
  type Listener,
} from '../contract/index.js';
import type { HealthBoard } from '../system/index.js';
import { Injector, type InjectorOptions, type PressedKey } from './injector.js';
import { TokenBucket } from './rate.js';
import { openXConnection, type XConnection } from './xconnection.js';

/**
 * Keystrokes a peer may send per second, sustained: above any person's typing and the on-screen
 * keyboard's key repeat (30 per second), far below what would flood an app.
 */
export const KEYSTROKES_PER_SECOND = 60;
/** Keystrokes a peer may send at once: one pasted paragraph, the most one `type` takes. */
export const KEYSTROKE_BURST = MAX_TYPE_CHARACTERS;
/** Keys one peer may hold at once: every modifier and a few more; a stuck loop is refused. */
export const MAX_HELD_KEYS = 16;
/** Reconnect to a lost X server: quickly at first (a restarting X session), then every 30 s. */
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

export interface InputOptions {
  /** The X display keys go to, e.g. ":0". */
  display: string;
  health: HealthBoard;
  injector?: InjectorOptions;
  /** How to open the display; the real X connection unless a test says otherwise. */
  open?: (display: string) => Promise<XConnection>;
}

/** One peer's view of the keyboard: its own held keys, released when it goes. */
export interface PeerInput extends Disposable {
  api: InputApi;
}

export interface PeerOptions {
  /** Told of every accepted call, e.g. to note a paired device's last use. */
  onUse?: () => void;
}

export interface InputService {
  /** A keyboard for one peer (a window, a phone); dispose it when the peer goes. */
  forPeer(options?: PeerOptions): PeerInput;
  /** Whether keys can be injected now. */
  ready(): boolean;
  /** Keycodes the X server has down now (for checks and diagnostics). */
  pressedKeycodes(): Promise<number[]>;
  dispose(): Promise<void>;
}

function unavailable(message: string): KubedeskError {
  return new KubedeskError('unavailable', message, 'InputUnavailable');
}

/**
 * The `input` capability: one X connection and one injector for the host, and one `InputApi`
 * per peer on top, each with its own held keys and rate limit.
 */
export function createInput(options: InputOptions): InputService {
  const open = options.open ?? openXConnection;
  let connection: XConnection | undefined;
  let injector: Injector | undefined;
  let message = `connecting to X display ${options.display}`;
  let disposed = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const peers = new Set<{ reset(): void; notify(): void }>();

  options.health.report('input', 'starting', message);

  function notifyAll(): void {
    for (const peer of peers) {
      peer.notify();
    }
  }

  async function connect(): Promise<void> {
    try {
      const opened = await open(options.display);
      if (disposed) {
        await opened.close();
        return;
      }
      attempt = 0;
      connection = opened;
      injector = new Injector(opened, options.injector);
      message = `keys go to X display ${options.display}`;
      options.health.report('input', 'ok', message);
      opened.onClose((reason) => {
        if (connection !== opened) {
          return;
        }
        injector?.dispose();
        connection = undefined;
        injector = undefined;
        // The server dropped every key with the connection: nobody holds anything now.
        for (const peer of peers) {
          peer.reset();
        }
        lost(reason);
      });
      notifyAll();
    } catch (error) {
      lost((error as Error).message);
    }
  }

  function lost(reason: string): void {
    if (disposed) {
      return;
    }
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt++);
    message = `${reason}; retrying in ${Math.round(delay / 1000)} s`;
    options.health.report('input', 'down', message);
    notifyAll();
    retryTimer = setTimeout(() => void connect(), delay);
    retryTimer.unref?.();
  }

  void connect();

  function ready(): Injector {
    if (!injector) {
      throw unavailable(`the keyboard cannot type now: ${message}`);
    }
    return injector;
  }

  function forPeer(peerOptions: PeerOptions = {}): PeerInput {
    const held: PressedKey[] = [];
    const listeners = new Set<Listener<InputState>>();
    const bucket = new TokenBucket(KEYSTROKE_BURST, KEYSTROKES_PER_SECOND);
    let gone = false;

    function state(): InputState {
      return {
        ready: injector !== undefined,
        display: options.display,
        message,
        held: held.map((pressed) => pressed.key),
      };
    }

    const peer = {
      reset() {
        held.length = 0;
      },
      notify() {
        const snapshot = state();
        for (const listener of [...listeners]) {
          listener(snapshot);
        }
      },
    };
    peers.add(peer);

    /** Checks the peer may send `cost` keystrokes now; takes them from its budget. */
    function admit(cost: number): Injector {
      if (gone) {
        throw new KubedeskError('disconnected', 'this keyboard session has ended', 'Disconnected');
      }
      const target = ready();
      if (!bucket.take(cost)) {
        throw new KubedeskError(
          'rate-limited',
          `too many keys: at most ${KEYSTROKES_PER_SECOND} per second (${KEYSTROKE_BURST} at once)`,
          'RateLimited',
        );
      }
      peerOptions.onUse?.();
      return target;
    }

    async function letGo(keys: PressedKey[]): Promise<void> {
      for (const pressed of keys) {
        const index = held.indexOf(pressed);
        if (index >= 0) {
          held.splice(index, 1);
        }
      }
      peer.notify();
      await injector?.letGo(keys);
    }

    const api: InputApi = {
      async key(stroke) {
        await admit(1).tap(stroke.key, stroke.modifiers ?? []);
      },
      async type(text) {
        await admit([...text].length).type(text);
      },
      async down(key: KeyName) {
        const target = admit(1);
        if (held.some((pressed) => pressed.key === key)) {
          return;
        }
        if (held.length >= MAX_HELD_KEYS) {
          throw new KubedeskError('conflict', `at most ${MAX_HELD_KEYS} keys can be held at once`, 'TooManyKeys');
        }
        const pressed = await target.hold(key);
        if (gone) {
          // The peer left while the key went down: let go at once rather than leave it stuck.
          await target.letGo([pressed]);
          return;
        }
        held.push(pressed);
        peer.notify();
      },
      async up(key: KeyName) {
        // Never rate-limited: letting go must always work, or a key could stick.
        await letGo(held.filter((pressed) => pressed.key === key));
      },
      async release() {
        await letGo([...held]);
      },
      async state() {
        return state();
      },
      onState(listener) {
        listeners.add(listener);
        queueMicrotask(() => listeners.has(listener) && listener(state()));
        return { dispose: () => listeners.delete(listener) };
      },
    };

    return {
      api,
      dispose() {
        if (gone) {
          return;
        }
        gone = true;
        peers.delete(peer);
        listeners.clear();
        if (held.length > 0) {
          void letGo([...held]).catch(() => undefined);
        }
      },
    };
  }

  return {
    forPeer,
    ready: () => injector !== undefined,
    async pressedKeycodes() {
      if (!connection) {
        throw unavailable(message);
      }
      return connection.pressedKeycodes();
    },
    async dispose() {
      disposed = true;
      clearTimeout(retryTimer);
      const current = connection;
      const currentInjector = injector;
      connection = undefined;
      injector = undefined;
      if (current && currentInjector) {
        // XTest keys stay down when their client goes: let go of them before closing.
        await currentInjector.releaseAll().catch(() => undefined);
        await currentInjector.restoreAll().catch(() => undefined);
        currentInjector.dispose();
        await current.close();
      }
      peers.clear();
    },
  };
}
