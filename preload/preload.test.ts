import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from '../main/testing/electron.js';
import { runPreload, type PageBridge } from '../main/testing/preload.js';
import { IPC_CHANNEL } from '../src/rpc/ipc.js';

const { contextBridge, ipcRenderer } = electron;

let bridge: PageBridge;
/** Every module the preload asked `require` for. */
let required: string[] = [];

beforeAll(() => {
  // The preload runs once per page; `electron` is the stand-in.
  required = runPreload(electron);
  bridge = contextBridge.exposed().kubedesk as PageBridge;
});

beforeEach(() => {
  ipcRenderer.sent.length = 0;
});

describe('the preload', () => {
  it('exposes exactly one bridge with exactly send and onMessage', () => {
    const exposed = contextBridge.exposed();
    expect(
      Object.fromEntries(
        Object.entries(exposed).map(([key, value]) => [
          key,
          Object.fromEntries(Object.entries(value as object).map(([member, field]) => [member, typeof field])),
        ]),
      ),
    ).toMatchInlineSnapshot(`
      {
        "kubedesk": {
          "onMessage": "function",
          "send": "function",
        },
      }
    `);
  });

  it('sends text frames on the one channel of src/rpc/ipc.ts', () => {
    bridge.send('{"type":"call"}');
    expect(ipcRenderer.sent).toEqual([{ channel: IPC_CHANNEL, args: ['{"type":"call"}'] }]);
  });

  it('refuses anything but a string and sends nothing', () => {
    for (const value of [{ type: 'call' }, 42, null, undefined, ['frame'], new Uint8Array(2)]) {
      expect(() => bridge.send(value)).toThrow(TypeError);
    }
    expect(ipcRenderer.sent).toEqual([]);
  });

  it('gives listeners the frame alone, never the IPC event', () => {
    const listener = vi.fn();
    const dispose = bridge.onMessage(listener);
    ipcRenderer.deliver(IPC_CHANNEL, '{"type":"result","id":1,"ok":true,"value":null}');
    expect(listener.mock.calls).toEqual([['{"type":"result","id":1,"ok":true,"value":null}']]);
    dispose();
  });

  it('does not pass on messages of other channels', () => {
    const listener = vi.fn();
    const dispose = bridge.onMessage(listener);
    ipcRenderer.deliver('some-other-channel', 'not ours');
    expect(listener).not.toHaveBeenCalled();
    dispose();
  });

  it('removes its IPC listener when the page disposes it', () => {
    const before = ipcRenderer.listenerCount(IPC_CHANNEL);
    const listener = vi.fn();
    const dispose = bridge.onMessage(listener);
    expect(ipcRenderer.listenerCount(IPC_CHANNEL)).toBe(before + 1);
    dispose();
    expect(ipcRenderer.listenerCount(IPC_CHANNEL)).toBe(before);
    ipcRenderer.deliver(IPC_CHANNEL, 'after dispose');
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps each listener separate: disposing one leaves the others', () => {
    const first = vi.fn();
    const second = vi.fn();
    const disposeFirst = bridge.onMessage(first);
    const disposeSecond = bridge.onMessage(second);
    disposeFirst();
    ipcRenderer.deliver(IPC_CHANNEL, 'frame');
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledWith('frame');
    disposeSecond();
  });

  it('requires nothing but electron, as a sandboxed preload must', () => {
    expect(required).toEqual(['electron']);
  });

  it('cannot be run twice in one page: the bridge is not replaced', () => {
    expect(() => runPreload(electron)).toThrow(/existing property/);
    expect(contextBridge.exposed().kubedesk).toBe(bridge);
  });
});
