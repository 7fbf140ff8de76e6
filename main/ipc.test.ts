import type { IpcMain, WebContents as ElectronWebContents } from 'electron';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hostSpec, type HostApi, type SystemApi } from '../src/contract/index.js';
import { describeContract } from '../src/host/contract.spec.js';
import { createRpcClient, Emitter, IPC_CHANNEL, serveRpc, type Transport } from '../src/rpc/index.js';
import { ipcTransport } from './ipc.js';
import * as electron from './testing/electron.js';
import { runPreload, type PageBridge } from './testing/preload.js';

const { ipcMain, ipcRenderer, resetElectron, BrowserWindow } = electron;
type WebContents = electron.WebContents;

function transportFor(contents: WebContents) {
  return ipcTransport(ipcMain as unknown as IpcMain, contents as unknown as ElectronWebContents);
}

beforeEach(() => {
  resetElectron();
});

describe('ipcTransport', () => {
  it('passes on text frames of its own page only', () => {
    const own = new BrowserWindow({}).webContents;
    const other = new BrowserWindow({}).webContents;
    const transport = transportFor(own);
    const received = vi.fn();
    transport.onMessage(received);

    ipcMain.receive(other, IPC_CHANNEL, 'from the other window');
    ipcMain.receive(own, 'some-other-channel', 'not ours');
    ipcMain.receive(own, IPC_CHANNEL, 'mine');
    expect(received.mock.calls).toEqual([['mine']]);
  });

  it('hands the server a non-string frame as text that is not JSON, never the value itself', () => {
    const contents = new BrowserWindow({}).webContents;
    const transport = transportFor(contents);
    const received = vi.fn();
    transport.onMessage(received);
    ipcMain.receive(contents, IPC_CHANNEL, { type: 'call' });
    expect(received).toHaveBeenCalledTimes(1);
    const [frame] = received.mock.calls[0] as [unknown];
    expect(typeof frame).toBe('string');
    expect(() => JSON.parse(frame as string) as unknown).toThrow();
  });

  it('sends on the one channel to its page, and not to a destroyed page', () => {
    const window = new BrowserWindow({});
    const transport = transportFor(window.webContents);
    transport.send('{"type":"event","id":1,"value":null}');
    expect(window.webContents.sent).toEqual([{ channel: IPC_CHANNEL, args: ['{"type":"event","id":1,"value":null}'] }]);
    window.destroy();
    expect(() => transport.send('late')).not.toThrow();
    expect(window.webContents.sent).toHaveLength(1);
  });

  it('closes once when its page is destroyed and leaves no listener behind', () => {
    const window = new BrowserWindow({});
    const transport = transportFor(window.webContents);
    const closed = vi.fn();
    const received = vi.fn();
    transport.onClose(closed);
    transport.onMessage(received);
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(1);

    window.destroy();
    expect(closed).toHaveBeenCalledTimes(1);
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(0);
    expect(window.webContents.listenerCount('destroyed')).toBe(0);
    ipcMain.receive(window.webContents, IPC_CHANNEL, 'after the end');
    expect(received).not.toHaveBeenCalled();
  });

  it('closes on request (a new page in the same window) without waiting for the window to go', () => {
    const window = new BrowserWindow({});
    const transport = transportFor(window.webContents);
    const closed = vi.fn();
    transport.onClose(closed);
    transport.close();
    expect(closed).toHaveBeenCalledTimes(1);
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(0);
    expect(window.webContents.listenerCount('destroyed')).toBe(0);
    window.destroy();
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('lets serveRpc release every listener of the peer when the page goes', async () => {
    const window = new BrowserWindow({});
    const dispose = vi.fn();
    const api: { system: SystemApi } = {
      system: {
        info: () => Promise.reject(new Error('not used')),
        health: () => Promise.resolve([]),
        onHealth: () => ({ dispose }),
      },
    };
    serveRpc(api, { system: hostSpec.system }, transportFor(window.webContents));
    for (const id of [1, 2]) {
      ipcMain.receive(
        window.webContents,
        IPC_CHANNEL,
        JSON.stringify({ type: 'listen', id, capability: 'system', event: 'onHealth', args: [] }),
      );
    }
    await vi.waitFor(() => expect(window.webContents.sent).toHaveLength(2));
    expect(dispose).not.toHaveBeenCalled();
    window.destroy();
    expect(dispose).toHaveBeenCalledTimes(2);
  });
});

/**
 * The whole Electron path, page to host and back: the contract's client in the page, the
 * preload's bridge, ipcRenderer → ipcMain with the window's webContents as sender, ipcTransport
 * and serveRpc in main, webContents.send → ipcRenderer back. The same specs as the loopback and
 * the WebSocket.
 */
describe('over Electron IPC', () => {
  let bridge: PageBridge;
  beforeAll(() => {
    runPreload(electron);
    bridge = electron.contextBridge.exposed().kubedesk as PageBridge;
  });

  /** The page's transport over the bridge; it ends when the page's window is destroyed. */
  function pageTransport(contents: WebContents): Transport {
    const closed = new Emitter<void>();
    contents.once('destroyed', () => closed.fire());
    return {
      send: (frame) => bridge.send(frame),
      onMessage: (listener) => ({ dispose: bridge.onMessage((frame) => listener(frame as string)) }),
      onClose: (listener) => closed.on(listener),
    };
  }

  describeContract('Electron IPC through the preload', async (host) => {
    const window = new BrowserWindow({});
    // As the shell does for each page it loads.
    serveRpc(host.api, hostSpec, transportFor(window.webContents));
    ipcRenderer.connectTo(window.webContents);
    const client = createRpcClient<HostApi>();
    client.attach(pageTransport(window.webContents));
    return {
      client,
      raw: (frame) =>
        new Promise((resolve) => {
          const dispose = bridge.onMessage((reply) => {
            dispose();
            resolve(reply as string);
          });
          bridge.send(frame);
        }),
      async disconnect() {
        window.destroy();
        ipcRenderer.connectTo(undefined);
        expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(0);
      },
    };
  });
});
