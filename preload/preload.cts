/**
 * The whole preload: one bridge object with `send` and `onMessage` on one fixed channel. The
 * IPC event object never reaches the page, only the text frame. Sandboxed preloads may require
 * nothing but electron, so the channel name is repeated here; a unit test keeps it equal to
 * `IPC_CHANNEL` in src/rpc/ipc.ts.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const CHANNEL = 'kubedesk:rpc';

contextBridge.exposeInMainWorld('kubedesk', {
  send(frame: unknown): void {
    if (typeof frame !== 'string') {
      throw new TypeError('kubedesk.send takes a string');
    }
    ipcRenderer.send(CHANNEL, frame);
  },
  onMessage(listener: (frame: string) => void): () => void {
    const handler = (_event: IpcRendererEvent, frame: string) => listener(frame);
    ipcRenderer.on(CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(CHANNEL, handler);
    };
  },
});
