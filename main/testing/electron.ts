/**
 * A stand-in for the parts of the `electron` module that main/ and preload/ use. No Electron
 * binary can be had where the unit tests run, so the `unit` vitest project aliases `electron` to
 * this file. It behaves like Electron where our code depends on it (a window's webContents is
 * announced through `web-contents-created`, events carry `preventDefault`, a destroyed
 * webContents refuses `send`, ipcMain listeners get `(event, ...args)` with `event.sender`) and
 * records everything so tests can look: constructor options, handlers, sent frames.
 *
 * Tests import it directly (`./testing/electron.js`) to reach the records; that is the same
 * module instance the code under test gets for `electron`.
 *
 * Known gaps: navigation and loading happen synchronously; contextBridge copies one level deep
 * only; there is one primary display and one renderer process (`ipcRenderer`), which a test
 * connects to one page at a time.
 */
import { EventEmitter } from 'node:events';

/** An Electron `Event`: details merged with `preventDefault`, as Electron 25+ passes them. */
export type StandInEvent<Details extends object = object> = Details & {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
};

export function createEvent<Details extends object>(details: Details): StandInEvent<Details> {
  let prevented = false;
  return Object.defineProperties(
    { ...details },
    {
      preventDefault: {
        value: () => {
          prevented = true;
        },
      },
      defaultPrevented: { get: () => prevented },
    },
  ) as StandInEvent<Details>;
}

export interface SentMessage {
  channel: string;
  args: unknown[];
}

export interface NavigationDetails {
  url: string;
  isSameDocument: boolean;
  isMainFrame: boolean;
  frame: null;
}

export type WindowOpenHandler = (details: { url: string; frameName: string; features: string }) => {
  action: 'allow' | 'deny';
};

let nextContentsId = 1;

export class WebContents extends EventEmitter {
  readonly id = nextContentsId++;
  /** Everything sent to this page with `send`, in order. */
  readonly sent: SentMessage[] = [];
  windowOpenHandler: WindowOpenHandler | undefined;
  private destroyed = false;
  private url = '';

  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) {
      // What Electron throws for any call on a destroyed webContents.
      throw new TypeError('Object has been destroyed');
    }
    // Electron structured-clones the arguments: nothing the caller keeps is shared.
    const copy = structuredClone(args);
    this.sent.push({ channel, args: copy });
    if (ipcRenderer.page === this) {
      // Delivered to the page later, like real IPC, and only if the page is still this one.
      setImmediate(() => {
        if (ipcRenderer.page === this && !this.destroyed) {
          ipcRenderer.deliver(channel, ...copy);
        }
      });
    }
  }

  /** The frames sent on one channel, for the usual case of tests that read the RPC replies. */
  sentOn(channel: string): unknown[] {
    return this.sent.filter((message) => message.channel === channel).map((message) => message.args[0]);
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Like Electron's reload: a new document in the main frame. */
  reload(): void {
    this.startNavigation(this.getURL(), { isSameDocument: false, isMainFrame: true });
  }

  getURL(): string {
    return this.url;
  }

  /** The page (a link, `location.href = …`) wants to navigate; returns true if it went ahead. */
  pageNavigates(url: string): boolean {
    const event = createEvent({ url, isSameDocument: false, isMainFrame: true, frame: null });
    this.emit('will-navigate', event, url, false, true, 1, 1);
    if (event.defaultPrevented) {
      return false;
    }
    this.startNavigation(url, { isSameDocument: false, isMainFrame: true });
    return true;
  }

  /** The page calls `window.open`: what the handler decides, `allow` when there is none. */
  pageOpensWindow(url: string): { action: 'allow' | 'deny' } {
    return this.windowOpenHandler?.({ url, frameName: '', features: '' }) ?? { action: 'allow' };
  }

  /** Emits `did-start-navigation` as Electron does: an event with the details, then the old positional arguments. */
  startNavigation(url: string, options: { isSameDocument: boolean; isMainFrame: boolean }): void {
    if (options.isMainFrame && !options.isSameDocument) {
      this.url = url;
    }
    const details: NavigationDetails = { url, ...options, frame: null };
    this.emit('did-start-navigation', createEvent(details), url, options.isSameDocument, options.isMainFrame, 1, 1);
  }

  /** Called by the window that owns it. */
  destroy(): void {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('destroyed');
    }
  }
}

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Constructor options as recorded; typed loosely because the code under test is typed against Electron's. */
export interface WindowOptions {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  type?: string;
  frame?: boolean;
  alwaysOnTop?: boolean;
  focusable?: boolean;
  show?: boolean;
  webPreferences?: Record<string, unknown>;
  [option: string]: unknown;
}

const openWindows = new Set<BrowserWindow>();

export class BrowserWindow extends EventEmitter {
  /** Every window constructed since the last `resetElectron`, in order. */
  static readonly created: BrowserWindow[] = [];

  static getAllWindows(): BrowserWindow[] {
    return [...openWindows];
  }

  readonly options: WindowOptions;
  readonly webContents = new WebContents();
  /** Every `loadFile` call: the file and its options. */
  readonly loads: { file: string; options: unknown }[] = [];
  private visible: boolean;
  private destroyed = false;
  private shownOnce = false;

  constructor(options: WindowOptions = {}) {
    super();
    this.options = structuredClone(options);
    this.visible = options.show ?? true;
    BrowserWindow.created.push(this);
    openWindows.add(this);
    // Electron announces every new webContents, a window's included, before the constructor returns.
    app.emit('web-contents-created', createEvent({}), this.webContents);
  }

  /** Starts the navigation, finishes it, and shows the first paint (`ready-to-show`) once. */
  async loadFile(file: string, options: { hash?: string; query?: Record<string, string> } = {}): Promise<void> {
    if (this.destroyed) {
      throw new TypeError('Object has been destroyed');
    }
    this.loads.push({ file, options });
    const url = `file://${file}${options.hash ? `#${options.hash}` : ''}`;
    this.webContents.startNavigation(url, { isSameDocument: false, isMainFrame: true });
    this.webContents.emit('did-finish-load');
    if (!this.shownOnce) {
      this.shownOnce = true;
      this.emit('ready-to-show');
    }
  }

  show(): void {
    this.visible = true;
    this.focusedOnShow = true;
  }

  /** Shows without focusing, as Electron's `showInactive`; `focusedOnShow` records which one ran. */
  showInactive(): void {
    this.visible = true;
    this.focusedOnShow = false;
  }

  focusedOnShow = false;

  hide(): void {
    this.visible = false;
  }

  isVisible(): boolean {
    return this.visible;
  }

  /** Closes at once, without `close`: the page is gone, then `closed`, then maybe `window-all-closed`. */
  destroy(): void {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    this.visible = false;
    openWindows.delete(this);
    this.webContents.destroy();
    this.emit('closed');
    if (openWindows.size === 0) {
      app.emit('window-all-closed');
    }
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** Narrows a window the code under test returns (typed as Electron's) to the stand-in, to read its records. */
export function standIn(window: unknown): BrowserWindow {
  if (!(window instanceof BrowserWindow)) {
    throw new TypeError('not a stand-in BrowserWindow: is the electron alias in place?');
  }
  return window;
}

class App extends EventEmitter {
  /** How often `quit` was called; the stand-in never actually quits. */
  quitCalls = 0;
  /** The codes `exit` was called with. */
  readonly exitCodes: number[] = [];
  /** What `requestSingleInstanceLock` answers: false when another shell holds the lock. */
  singleInstanceLockAvailable = true;

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  isReady(): boolean {
    return true;
  }

  quit(): void {
    this.quitCalls++;
  }

  exit(code = 0): void {
    this.exitCodes.push(code);
  }

  requestSingleInstanceLock(): boolean {
    return this.singleInstanceLockAvailable;
  }
}

export const app = new App();

export interface IpcMainEventStandIn {
  sender: WebContents;
  senderFrame: null;
  processId: number;
  frameId: number;
  ports: never[];
  returnValue: unknown;
  type: 'frame';
  reply(channel: string, ...args: unknown[]): void;
}

class IpcMain extends EventEmitter {
  /** Delivers a message as if `sender`'s page had called `ipcRenderer.send(channel, ...args)`. */
  receive(sender: WebContents, channel: string, ...args: unknown[]): void {
    const event: IpcMainEventStandIn = {
      sender,
      senderFrame: null,
      processId: 1,
      frameId: 1,
      ports: [],
      returnValue: undefined,
      type: 'frame',
      reply: (replyChannel, ...replyArgs) => sender.send(replyChannel, ...replyArgs),
    };
    this.emit(channel, event, ...structuredClone(args));
  }
}

export const ipcMain = new IpcMain();

type PermissionRequestHandler = (
  contents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: Record<string, unknown>,
) => void;
type PermissionCheckHandler = (
  contents: unknown,
  permission: string,
  requestingOrigin: string,
  details: Record<string, unknown>,
) => boolean;

export interface HeadersReceivedDetails {
  url: string;
  resourceType: string;
  statusCode: number;
  responseHeaders?: Record<string, string[]>;
}
export type HeadersReceivedListener = (
  details: HeadersReceivedDetails,
  callback: (response: { cancel?: boolean; responseHeaders?: Record<string, string[]> }) => void,
) => void;

class WebRequest {
  headersReceivedFilter: unknown;
  headersReceivedListener: HeadersReceivedListener | null = null;

  onHeadersReceived(...args: [HeadersReceivedListener | null] | [unknown, HeadersReceivedListener | null]): void {
    // Electron takes (listener) or (filter, listener); a later call replaces the earlier one.
    if (args.length === 1) {
      this.headersReceivedFilter = undefined;
      this.headersReceivedListener = args[0];
    } else {
      this.headersReceivedFilter = args[0];
      this.headersReceivedListener = args[1];
    }
  }
}

class Session {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  webRequest = new WebRequest();

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }
}

export const session = { defaultSession: new Session() };

const defaultBounds: Rectangle = { x: 0, y: 0, width: 1920, height: 1080 };
let primaryBounds: Rectangle = { ...defaultBounds };

export const screen = {
  getPrimaryDisplay() {
    return {
      id: 1,
      bounds: { ...primaryBounds },
      workArea: { ...primaryBounds },
      size: { width: primaryBounds.width, height: primaryBounds.height },
      scaleFactor: 1,
      rotation: 0,
    };
  },
  /** For tests: a screen of another size, or one that does not start at the origin. */
  setPrimaryBounds(bounds: Rectangle): void {
    primaryBounds = { ...bounds };
  },
};

/** What the preload exposed, key by key, as the page's `window` would see it. */
const mainWorld: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

/**
 * Electron copies an exposed object into the page's world: functions become proxies called
 * without the original `this`, other values are cloned. The copy here goes one level deep.
 */
function copyIntoMainWorld(value: unknown): unknown {
  if (typeof value === 'function') {
    const original = value as (...args: unknown[]) => unknown;
    return (...args: unknown[]) => Reflect.apply(original, undefined, args);
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      copy[key] = typeof member === 'function' ? copyIntoMainWorld(member) : structuredClone(member);
    }
    return Object.freeze(copy);
  }
  return structuredClone(value);
}

export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown): void {
    if (Object.hasOwn(mainWorld, key)) {
      throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    }
    mainWorld[key] = copyIntoMainWorld(api);
  },
  /** For tests: the page's view of everything exposed. */
  exposed(): Readonly<Record<string, unknown>> {
    return mainWorld;
  },
};

export interface IpcRendererEventStandIn {
  sender: IpcRenderer;
  senderId: number;
  ports: never[];
}

class IpcRenderer extends EventEmitter {
  /** Everything the page sent to main, in order. */
  readonly sent: SentMessage[] = [];
  /**
   * The webContents this renderer's page lives in, once `connectTo` set it: then what the page
   * sends reaches `ipcMain` with that sender, and what main sends to it reaches the page, each
   * asynchronously like real IPC. Unset, messages are only recorded.
   */
  page: WebContents | undefined;

  connectTo(page: WebContents | undefined): void {
    this.page = page;
  }

  send(channel: string, ...args: unknown[]): void {
    const copy = structuredClone(args);
    this.sent.push({ channel, args: copy });
    const page = this.page;
    if (page) {
      setImmediate(() => {
        if (!page.isDestroyed()) {
          ipcMain.receive(page, channel, ...copy);
        }
      });
    }
  }

  /** Delivers a message as main's `webContents.send(channel, ...args)` would. */
  deliver(channel: string, ...args: unknown[]): void {
    const event: IpcRendererEventStandIn = { sender: this, senderId: 0, ports: [] };
    this.emit(channel, event, ...structuredClone(args));
  }
}

export const ipcRenderer = new IpcRenderer();

/** Forgets every window, listener, handler and record, for tests that start the shell more than once. */
export function resetElectron(): void {
  for (const window of [...openWindows]) {
    window.destroy();
  }
  BrowserWindow.created.length = 0;
  app.removeAllListeners();
  app.quitCalls = 0;
  app.exitCodes.length = 0;
  app.singleInstanceLockAvailable = true;
  ipcMain.removeAllListeners();
  ipcRenderer.removeAllListeners();
  ipcRenderer.sent.length = 0;
  ipcRenderer.page = undefined;
  session.defaultSession = new Session();
  primaryBounds = { ...defaultBounds };
  for (const key of Object.keys(mainWorld)) {
    delete mainWorld[key];
  }
}
