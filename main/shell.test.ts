import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNEL } from '../src/rpc/index.js';
import { HealthBoard } from '../src/system/index.js';
import { startShell, type Shell } from './shell.js';
import { createTerminalWindow, TASKBAR_HEIGHT, type Pages } from './windows.js';
import { CONTENT_SECURITY_POLICY } from './security.js';
import {
  app,
  BrowserWindow,
  ipcMain,
  resetElectron,
  screen,
  session,
  standIn,
  type HeadersReceivedDetails,
  type WebContents,
} from './testing/electron.js';

const ROOT = '/opt/kubedesk';
const infoCall = { type: 'call', id: 1, capability: 'system', method: 'info', args: [] };

interface Reply {
  type: string;
  id: number | null;
  ok?: boolean;
  value?: unknown;
  error?: { name: string; code: string; message: string };
}

function replies(contents: WebContents): Reply[] {
  return contents.sentOn(IPC_CHANNEL).map((frame) => {
    expect(typeof frame).toBe('string');
    return JSON.parse(frame as string) as Reply;
  });
}

/** Sends one frame from the page and waits for the next reply to that page. */
async function request(contents: WebContents, frame: unknown): Promise<Reply> {
  const before = replies(contents).length;
  ipcMain.receive(contents, IPC_CHANNEL, typeof frame === 'string' ? frame : JSON.stringify(frame));
  await vi.waitFor(() => expect(replies(contents).length).toBeGreaterThan(before));
  return replies(contents)[before]!;
}

/** Lets every pending promise and microtask of the host run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

let shell: Shell | undefined;

async function start(): Promise<{ taskbar: BrowserWindow; keyboard: BrowserWindow }> {
  shell = await startShell(ROOT);
  return { taskbar: standIn(shell.taskbar), keyboard: standIn(shell.keyboard) };
}

beforeEach(() => {
  resetElectron();
  // The host must not find a developer's real cluster: these tests are about the Electron layer.
  vi.stubEnv('KUBECONFIG', '/nonexistent/kubeconfig');
});

afterEach(async () => {
  await shell?.stop();
  shell = undefined;
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('windows', () => {
  it('creates exactly the taskbar and the keyboard, both loading the built renderer', async () => {
    const { taskbar, keyboard } = await start();
    expect(BrowserWindow.created).toEqual([taskbar, keyboard]);
    expect(taskbar.loads).toEqual([{ file: `${ROOT}/dist/renderer/index.html`, options: {} }]);
    expect(keyboard.loads).toEqual([{ file: `${ROOT}/dist/renderer/index.html`, options: { hash: 'keyboard' } }]);
  });

  it('gives every window isolated, sandboxed preferences with the built preload', async () => {
    await start();
    const terminal = standIn(
      createTerminalWindow({ preload: `${ROOT}/dist/preload/preload.cjs`, load: async () => {} }),
    );
    for (const window of [...BrowserWindow.created, terminal]) {
      const preferences = window.options.webPreferences;
      expect(preferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
      });
      expect(preferences?.preload).toMatch(/\/dist\/preload\/preload\.cjs$/);
    }
    expect(BrowserWindow.created).toHaveLength(3);
  });

  it('docks the taskbar at the bottom edge, full width, frameless and always on top', async () => {
    const { taskbar } = await start();
    expect(taskbar.options).toMatchObject({
      x: 0,
      y: 1080 - TASKBAR_HEIGHT,
      width: 1920,
      height: TASKBAR_HEIGHT,
      type: 'dock',
      frame: false,
      alwaysOnTop: true,
    });
  });

  it('follows a primary display that does not start at the origin', async () => {
    screen.setPrimaryBounds({ x: 1280, y: 200, width: 1280, height: 720 });
    const { taskbar, keyboard } = await start();
    expect(taskbar.options).toMatchObject({ x: 1280, y: 200 + 720 - TASKBAR_HEIGHT, width: 1280 });
    const keyboardBottom = (keyboard.options.y ?? 0) + (keyboard.options.height ?? 0);
    expect(keyboardBottom).toBe(taskbar.options.y);
    expect(keyboard.options.x).toBe(1280);
  });

  it('never lets the keyboard take focus, and keeps it hidden until asked', async () => {
    const { keyboard } = await start();
    expect(keyboard.options.focusable).toBe(false);
    expect(keyboard.options.frame).toBe(false);
    expect(keyboard.isVisible()).toBe(false);
  });

  it('shows the taskbar once its page is ready, not before', async () => {
    const { taskbar } = await start();
    expect(taskbar.options.show).toBe(false);
    expect(taskbar.isVisible()).toBe(true);
  });

  it('opens terminal windows as framed, ordinary windows on the terminal route', () => {
    const load = vi.fn<Pages['load']>(async () => {});
    const terminal = standIn(createTerminalWindow({ preload: '/x/dist/preload/preload.cjs', load }));
    expect(load).toHaveBeenCalledWith(terminal, 'terminal');
    expect(terminal.options.frame).toBeUndefined();
    expect(terminal.options.focusable).toBeUndefined();
    expect(terminal.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true });
  });
});

describe('session and page lock-down', () => {
  it('denies every permission request', async () => {
    await start();
    const handler = session.defaultSession.permissionRequestHandler;
    expect(handler).toBeTypeOf('function');
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'unknown']) {
      const callback = vi.fn();
      handler!(BrowserWindow.created[0]!.webContents, permission, callback, {});
      expect(callback).toHaveBeenCalledTimes(1);
      expect(callback).toHaveBeenCalledWith(false);
    }
  });

  it('answers every permission check with false', async () => {
    await start();
    const check = session.defaultSession.permissionCheckHandler;
    expect(check).toBeTypeOf('function');
    for (const permission of ['media', 'notifications', 'clipboard-sanitized-write', 'hid', 'serial']) {
      expect(check!(null, permission, 'file://', {})).toBe(false);
    }
  });

  it('adds the CSP header to every response and keeps the others', async () => {
    await start();
    const listener = session.defaultSession.webRequest.headersReceivedListener;
    expect(listener).toBeTypeOf('function');
    const details: HeadersReceivedDetails = {
      url: 'file:///opt/kubedesk/dist/renderer/index.html',
      resourceType: 'mainFrame',
      statusCode: 200,
      responseHeaders: { 'Content-Type': ['text/html'] },
    };
    const callback = vi.fn();
    listener!(details, callback);
    expect(callback).toHaveBeenCalledWith({
      responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });

  it('prevents navigation, redirects and webviews, and denies window.open on every window', async () => {
    await start();
    const terminal = standIn(createTerminalWindow({ preload: '/x/dist/preload/preload.cjs', load: async () => {} }));
    for (const window of [...BrowserWindow.created, terminal]) {
      const contents = window.webContents;
      const before = contents.getURL();
      expect(contents.pageNavigates('https://example.com/')).toBe(false);
      expect(contents.getURL()).toBe(before);
      expect(contents.pageOpensWindow('https://example.com/')).toEqual({ action: 'deny' });
      for (const name of ['will-redirect', 'will-attach-webview']) {
        const event = { defaultPrevented: false, preventDefault: vi.fn() };
        contents.emit(name, event, {}, {});
        expect(event.preventDefault).toHaveBeenCalled();
      }
    }
  });

  it('locks down web contents the shell did not create itself', async () => {
    await start();
    const stray = new BrowserWindow({});
    expect(stray.webContents.pageNavigates('https://example.com/')).toBe(false);
    expect(stray.webContents.pageOpensWindow('https://example.com/')).toEqual({ action: 'deny' });
  });
});

describe('IPC wiring', () => {
  it('answers a call from the taskbar page on the taskbar page', async () => {
    const { taskbar } = await start();
    const reply = await request(taskbar.webContents, infoCall);
    expect(reply).toMatchObject({ type: 'result', id: 1, ok: true, value: { product: 'Kubedesk', host: 'electron' } });
    expect(taskbar.webContents.sent.every((message) => message.channel === IPC_CHANNEL)).toBe(true);
  });

  it('answers each window on its own page only', async () => {
    const { taskbar, keyboard } = await start();
    const reply = await request(keyboard.webContents, { ...infoCall, id: 7 });
    expect(reply).toMatchObject({ id: 7, ok: true });
    await settle();
    expect(replies(keyboard.webContents)).toHaveLength(1);
    expect(replies(taskbar.webContents)).toEqual([]);
  });

  it('does not answer pages of windows it does not serve', async () => {
    const { taskbar, keyboard } = await start();
    const stray = new BrowserWindow({});
    ipcMain.receive(stray.webContents, IPC_CHANNEL, JSON.stringify(infoCall));
    await settle();
    for (const contents of [stray.webContents, taskbar.webContents, keyboard.webContents]) {
      expect(contents.sent).toEqual([]);
    }
  });

  it('answers malformed frames with an error and keeps serving', async () => {
    const { taskbar } = await start();
    const badJson = await request(taskbar.webContents, '{"type":"call",');
    expect(badJson).toMatchObject({ type: 'result', id: null, ok: false, error: { code: 'bad-json' } });

    const unknown = await request(taskbar.webContents, { ...infoCall, id: 2, method: 'reboot' });
    expect(unknown).toMatchObject({ id: 2, ok: false, error: { code: 'unknown-method' } });

    const badArgs = await request(taskbar.webContents, { ...infoCall, id: 3, args: ['extra'] });
    expect(badArgs).toMatchObject({ id: 3, ok: false, error: { code: 'bad-arguments' } });

    const proto = await request(taskbar.webContents, '{"type":"call","id":4,"__proto__":{},"args":[]}');
    expect(proto).toMatchObject({ ok: false, error: { code: 'forbidden-key' } });

    expect(await request(taskbar.webContents, { ...infoCall, id: 5 })).toMatchObject({ id: 5, ok: true });
  });

  it('answers a frame that is not a string with an error instead of reading it', async () => {
    const { taskbar } = await start();
    ipcMain.receive(taskbar.webContents, IPC_CHANNEL, infoCall);
    await vi.waitFor(() => expect(replies(taskbar.webContents)).toHaveLength(1));
    expect(replies(taskbar.webContents)[0]).toMatchObject({ id: null, ok: false, error: { code: 'bad-json' } });
  });

  it('removes its IPC listener and releases the listeners of a page whose window is destroyed', async () => {
    const subscribe = vi.spyOn(HealthBoard.prototype, 'subscribe');
    const { taskbar, keyboard } = await start();
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(2);

    const listening = await request(taskbar.webContents, {
      type: 'listen',
      id: 3,
      capability: 'system',
      event: 'onHealth',
      args: [],
    });
    expect(listening).toMatchObject({ id: 3, ok: true });
    const board = subscribe.mock.contexts[0] as HealthBoard;
    expect(board.listenerCount).toBe(1);

    taskbar.destroy();
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(1);
    expect(taskbar.webContents.listenerCount('destroyed')).toBe(0);
    expect(board.listenerCount).toBe(0);

    // The other window is still served.
    expect(await request(keyboard.webContents, infoCall)).toMatchObject({ ok: true });
  });

  it('serves a fresh peer after a reload, and keeps the peer across in-page navigation', async () => {
    const subscribe = vi.spyOn(HealthBoard.prototype, 'subscribe');
    const { taskbar } = await start();
    const listen = { type: 'listen', id: 9, capability: 'system', event: 'onHealth', args: [] };

    expect(await request(taskbar.webContents, listen)).toMatchObject({ id: 9, ok: true });
    const board = subscribe.mock.contexts[0] as HealthBoard;

    // Same document (a hash change) or a subframe: the same page, the same peer; the id is taken.
    taskbar.webContents.startNavigation('file:///opt/kubedesk/dist/renderer/index.html#terminal', {
      isSameDocument: true,
      isMainFrame: true,
    });
    taskbar.webContents.startNavigation('about:blank', { isSameDocument: false, isMainFrame: false });
    expect(await request(taskbar.webContents, listen)).toMatchObject({ id: 9, ok: false, error: { code: 'conflict' } });
    expect(board.listenerCount).toBe(1);

    // A reload is a new page: the old page's listener goes, the id is free again.
    taskbar.webContents.reload();
    expect(board.listenerCount).toBe(0);
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(2);
    expect(await request(taskbar.webContents, listen)).toMatchObject({ id: 9, ok: true });
    expect(board.listenerCount).toBe(1);
  });

  it('drops the answer to a call of the previous page after a reload', async () => {
    const { taskbar } = await start();
    ipcMain.receive(taskbar.webContents, IPC_CHANNEL, JSON.stringify({ ...infoCall, id: 41 }));
    taskbar.webContents.reload();
    expect(await request(taskbar.webContents, { ...infoCall, id: 42 })).toMatchObject({ id: 42, ok: true });
    await settle();
    expect(replies(taskbar.webContents).map((reply) => reply.id)).toEqual([42]);
  });

  it('delivers health events to the page that listens', async () => {
    const { taskbar } = await start();
    await request(taskbar.webContents, { type: 'listen', id: 4, capability: 'system', event: 'onHealth', args: [] });
    await vi.waitFor(() => expect(replies(taskbar.webContents).some((reply) => reply.type === 'event')).toBe(true));
    const event = replies(taskbar.webContents).find((reply) => reply.type === 'event');
    expect(event).toMatchObject({ id: 4 });
    expect(event?.value).toEqual(
      expect.arrayContaining([expect.objectContaining({ capability: 'system', state: 'ok' })]),
    );
  });
});

describe('lifecycle', () => {
  it('waits for the app to be ready before it touches the session or creates windows', async () => {
    let ready!: () => void;
    vi.spyOn(app, 'whenReady').mockReturnValue(new Promise<void>((resolve) => (ready = resolve)));
    const starting = startShell(ROOT);
    await settle();
    expect(BrowserWindow.created).toEqual([]);
    expect(session.defaultSession.permissionRequestHandler).toBeNull();
    ready();
    shell = await starting;
    expect(BrowserWindow.created).toHaveLength(2);
  });

  it('closes both windows and stops serving when stopped', async () => {
    const { taskbar, keyboard } = await start();
    await shell!.stop();
    shell = undefined;
    expect(taskbar.isDestroyed()).toBe(true);
    expect(keyboard.isDestroyed()).toBe(true);
    expect(ipcMain.listenerCount(IPC_CHANNEL)).toBe(0);
  });

  it('quits when the last window is gone', async () => {
    const { taskbar, keyboard } = await start();
    taskbar.destroy();
    expect(app.quitCalls).toBe(0);
    keyboard.destroy();
    expect(app.quitCalls).toBe(1);
  });
});

describe('the shell capability', () => {
  it('shows the keyboard window from the taskbar page without taking focus, and hides it again', async () => {
    const { taskbar, keyboard } = await start();
    const info = await request(taskbar.webContents, infoCall);
    expect((info.value as { capabilities: string[] }).capabilities).toContain('shell');

    const shown = await request(taskbar.webContents, {
      type: 'call',
      id: 2,
      capability: 'shell',
      method: 'setKeyboardVisible',
      args: [true],
    });
    expect(shown).toMatchObject({ id: 2, ok: true });
    expect(keyboard.isVisible()).toBe(true);
    expect(keyboard.focusedOnShow).toBe(false);

    await request(taskbar.webContents, {
      type: 'call',
      id: 3,
      capability: 'shell',
      method: 'setKeyboardVisible',
      args: [false],
    });
    expect(keyboard.isVisible()).toBe(false);
    const refused = await request(taskbar.webContents, {
      type: 'call',
      id: 4,
      capability: 'shell',
      method: 'setKeyboardVisible',
      args: ['yes'],
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad-arguments' } });
  });

  it('opens a terminal window on request', async () => {
    const { taskbar } = await start();
    const before = BrowserWindow.getAllWindows().length;
    await request(taskbar.webContents, { type: 'call', id: 5, capability: 'shell', method: 'openTerminal', args: [] });
    const windows = BrowserWindow.getAllWindows();
    expect(windows.length).toBe(before + 1);
  });
});
