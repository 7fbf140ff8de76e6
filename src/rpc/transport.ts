import type { Disposable } from '../contract/index.js';

/**
 * One connection between a host and a peer, carrying JSON text frames. Electron IPC and the
 * WebSocket implement it; the loopback pair serves tests.
 */
export interface Transport {
  send(frame: string): void;
  onMessage(listener: (frame: string) => void): Disposable;
  /** Fires once when the connection ends; the host then releases every listener of the peer. */
  onClose(listener: () => void): Disposable;
}

/** A small listener list; `fire` is safe against listeners that dispose themselves. */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Two connected transports in one process. Every frame is a string, so everything that crosses
 * is JSON-round-tripped exactly as over a socket; delivery is asynchronous like a socket's.
 */
export function createLoopbackPair(): { host: Transport; peer: Transport; close(): void } {
  const toHost = new Emitter<string>();
  const toPeer = new Emitter<string>();
  const closed = new Emitter<void>();
  let open = true;
  function side(inbox: Emitter<string>, outbox: Emitter<string>): Transport {
    return {
      send(frame) {
        if (!open) {
          throw new Error('loopback transport is closed');
        }
        void Promise.resolve().then(() => {
          if (open) {
            outbox.fire(frame);
          }
        });
      },
      onMessage: (listener) => inbox.on(listener),
      onClose: (listener) => closed.on(listener),
    };
  }
  return {
    host: side(toHost, toPeer),
    peer: side(toPeer, toHost),
    close() {
      if (open) {
        open = false;
        closed.fire();
        closed.clear();
      }
    },
  };
}
