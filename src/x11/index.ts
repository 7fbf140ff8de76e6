import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/**
 * A small, typed face of the `x11` package (a pure-JS X11 client) for what the window tracker
 * and the screen preview need: atoms, properties, EWMH client messages and images. One
 * persistent connection; requests are queued on its socket.
 */
interface RawProperty {
  type: number;
  format: number;
  data: Buffer;
}

interface RawEvent {
  name?: string;
  wid?: number;
  atom?: number;
  window?: number;
}

interface RawClient extends EventEmitter {
  InternAtom(onlyIfExists: boolean, name: string, callback: (error: Error | null, atom: number) => void): void;
  GetProperty(
    remove: number,
    window: number,
    property: number,
    type: number,
    longOffset: number,
    longLength: number,
    callback: (error: Error | null, property: RawProperty) => void,
  ): void;
  ChangeWindowAttributes(window: number, values: { eventMask: number }, callback?: (error: Error | null) => void): void;
  SendEvent(destination: number, propagate: boolean, eventMask: number, event: Buffer): void;
  GetImage(
    format: number,
    drawable: number,
    x: number,
    y: number,
    width: number,
    height: number,
    planeMask: number,
    callback: (error: Error | null, image: { depth: number; data: Buffer }) => void,
  ): void;
  sync(): Promise<void>;
  close(callback?: (error?: Error) => void): void;
  terminate(): void;
}

interface RawDisplay {
  client: RawClient;
  screen: { root: number; pixel_width: number; pixel_height: number; root_depth: number }[];
}

interface X11Module {
  createClient(options: { display?: string }, callback: (error: Error | null, display: RawDisplay) => void): RawClient;
}

const x11 = createRequire(import.meta.url)('x11') as X11Module;

export const EVENT_MASK_PROPERTY_CHANGE = 0x00400000;
const EVENT_MASK_SUBSTRUCTURE_NOTIFY = 0x00080000;
const EVENT_MASK_SUBSTRUCTURE_REDIRECT = 0x00100000;
const CLIENT_MESSAGE = 33;
const ANY_PROPERTY_TYPE = 0;
const Z_PIXMAP = 2;
/** How long connecting may take before the display counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface XScreen {
  readonly display: string;
  readonly root: number;
  readonly width: number;
  readonly height: number;
  atom(name: string): Promise<number>;
  /** A property's raw bytes, or null when the window does not have it. */
  property(window: number, name: string): Promise<{ type: number; format: number; data: Buffer } | null>;
  /** 32-bit values of a property (WINDOW, CARDINAL, ATOM lists). */
  cardinals(window: number, name: string): Promise<number[]>;
  /** A text property (UTF8_STRING or Latin-1 STRING), or null. */
  text(window: number, name: string): Promise<string | null>;
  /** Asks for PropertyNotify events of a window (the root for EWMH lists). */
  watchProperties(window: number): void;
  onPropertyChange(listener: (window: number, atom: number) => void): void;
  /** An EWMH client message to the root window, as pagers and taskbars send them. */
  sendRootMessage(window: number, type: string, data: number[]): Promise<void>;
  /** The screen's pixels as 32-bit BGRX rows (ZPixmap of a 24/32-bit root). */
  capture(x: number, y: number, width: number, height: number): Promise<Buffer>;
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

function promised<T>(start: (callback: (error: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/** Opens an X display (e.g. ":0"); rejects with a message a person can act on. */
export function openScreen(display: string): Promise<XScreen> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let closed = false;
    const closeListeners: ((reason: string) => void)[] = [];
    const propertyListeners: ((window: number, atom: number) => void)[] = [];
    const atoms = new Map<string, Promise<number>>();
    const timer = setTimeout(() => fail(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);

    function fail(error: Error): void {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`cannot open X display ${display}: ${error.message}`));
      }
    }

    function ended(reason: string): void {
      if (!closed) {
        closed = true;
        for (const listener of closeListeners) {
          listener(reason);
        }
      }
    }

    const client = x11.createClient({ display }, (error, opened) => {
      if (error) {
        fail(error);
        return;
      }
      const screen = opened.screen[0]!;
      const connection = opened.client;
      connection.on('event', (event: RawEvent) => {
        if (event.name === 'PropertyNotify' && event.wid !== undefined && event.atom !== undefined) {
          for (const listener of propertyListeners) {
            listener(event.wid, event.atom);
          }
        }
      });
      // Errors of single requests (a window that closed meanwhile) reject that request; the
      // connection goes on.
      connection.on('error', () => undefined);
      connection.on('end', () => ended('the X server closed the connection'));
      connection.on('close', () => ended('the connection to the X server closed'));

      const atom = (name: string): Promise<number> => {
        let pending = atoms.get(name);
        if (!pending) {
          pending = promised<number>((callback) => connection.InternAtom(false, name, callback));
          atoms.set(name, pending);
        }
        return pending;
      };
      const property = async (window: number, name: string) => {
        const value = await promised<RawProperty>(async (callback) =>
          connection.GetProperty(0, window, await atom(name), ANY_PROPERTY_TYPE, 0, 1 << 16, callback),
        );
        return value.type === 0 ? null : value;
      };

      settled = true;
      clearTimeout(timer);
      resolve({
        display,
        root: screen.root,
        width: screen.pixel_width,
        height: screen.pixel_height,
        atom,
        property,
        async cardinals(window, name) {
          const value = await property(window, name);
          if (!value || value.format !== 32) {
            return [];
          }
          const values: number[] = [];
          for (let offset = 0; offset + 4 <= value.data.length; offset += 4) {
            values.push(value.data.readUInt32LE(offset));
          }
          return values;
        },
        async text(window, name) {
          const value = await property(window, name);
          if (!value || value.format !== 8) {
            return null;
          }
          const utf8 = await atom('UTF8_STRING');
          return value.data.toString(value.type === utf8 ? 'utf8' : 'latin1');
        },
        watchProperties(window) {
          connection.ChangeWindowAttributes(window, { eventMask: EVENT_MASK_PROPERTY_CHANGE }, () => undefined);
        },
        onPropertyChange(listener) {
          propertyListeners.push(listener);
        },
        async sendRootMessage(window, type, data) {
          const event = Buffer.alloc(32);
          event[0] = CLIENT_MESSAGE;
          event[1] = 32;
          event.writeUInt32LE(window >>> 0, 4);
          event.writeUInt32LE(await atom(type), 8);
          data.slice(0, 5).forEach((value, index) => event.writeUInt32LE(value >>> 0, 12 + index * 4));
          connection.SendEvent(
            screen.root,
            false,
            EVENT_MASK_SUBSTRUCTURE_NOTIFY | EVENT_MASK_SUBSTRUCTURE_REDIRECT,
            event,
          );
          await connection.sync();
        },
        async capture(x, y, width, height) {
          const image = await promised<{ depth: number; data: Buffer }>((callback) =>
            connection.GetImage(Z_PIXMAP, screen.root, x, y, width, height, 0xffffffff, callback),
          );
          return image.data;
        },
        onClose(listener) {
          closeListeners.push(listener);
        },
        close() {
          return new Promise<void>((done) => {
            if (closed) {
              done();
              return;
            }
            closeListeners.push(() => done());
            connection.close(() => undefined);
            setTimeout(() => {
              connection.terminate();
              ended('closed');
            }, 500).unref();
          });
        },
      });
    });
    client.on('error', (error: Error) => fail(error));
  });
}
