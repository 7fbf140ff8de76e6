import type { IpcMain, IpcMainEvent, WebContents } from 'electron';
import type { Transport } from '../src/rpc/index.js';
import { Emitter, IPC_CHANNEL } from '../src/rpc/index.js';

/**
 * The Electron IPC transport for one window: frames from that window's renderer only (another
 * window's frames carry another sender), replies to it alone, closed when it is destroyed or
 * when `close` is called (a new page in the same window).
 */
export function ipcTransport(ipcMain: IpcMain, contents: WebContents): Transport & { close(): void } {
  const messages = new Emitter<string>();
  const closed = new Emitter<void>();
  const receive = (event: IpcMainEvent, frame: unknown) => {
    if (event.sender !== contents) {
      return;
    }
    // Only text frames are messages; anything else is answered as bad JSON by the server.
    messages.fire(typeof frame === 'string' ? frame : '\u0000not a string');
  };
  function close(): void {
    ipcMain.removeListener(IPC_CHANNEL, receive);
    contents.removeListener('destroyed', close);
    closed.fire();
    closed.clear();
    messages.clear();
  }
  ipcMain.on(IPC_CHANNEL, receive);
  contents.once('destroyed', close);
  return {
    close,
    send(frame) {
      if (!contents.isDestroyed()) {
        contents.send(IPC_CHANNEL, frame);
      }
    },
    onMessage: (listener) => messages.on(listener),
    onClose: (listener) => closed.on(listener),
  };
}
