import type { Disposable } from '../contract/index.js';
import type { Transport } from './transport.js';

/**
 * What the transport needs of a WebSocket: the browser's and the `ws` package's both fit, so the
 * renderer, the web host and the tests share this one implementation.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'close', listener: () => void): void;
}

const OPEN = 1;

/** A transport over an open WebSocket; binary frames are refused as they are not JSON text. */
export function websocketTransport(socket: WebSocketLike): Transport {
  return {
    send(frame) {
      if (socket.readyState !== OPEN) {
        throw new Error('WebSocket is not open');
      }
      socket.send(frame);
    },
    onMessage(listener): Disposable {
      const handler = (event: { data: unknown }) => {
        // A binary frame cannot be a JSON message: hand the server something it will refuse
        // with a clear `bad-json` reply instead of dropping it silently.
        listener(typeof event.data === 'string' ? event.data : '\u0000binary frame');
      };
      socket.addEventListener('message', handler);
      return { dispose: () => socket.removeEventListener('message', handler) };
    },
    onClose(listener): Disposable {
      let fired = false;
      const handler = () => {
        if (!fired) {
          fired = true;
          listener();
        }
      };
      if (socket.readyState > OPEN) {
        void Promise.resolve().then(handler);
      }
      socket.addEventListener('close', handler);
      return { dispose: () => socket.removeEventListener('close', handler) };
    },
  };
}
