import { x11, type XClient, type XEvent, type XTest } from './x11-client.js';

/** How long connecting to an X server may take before it counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;
/** MappingNotify's `request` for keyboard and modifier changes (pointer changes do not matter here). */
const MAPPING_MODIFIER = 0;
const MAPPING_KEYBOARD = 1;
const MAPPING_NOTIFY = 34;

/** The server's keyboard mapping as the core protocol shows it: keysym columns per keycode. */
export interface KeyboardMapping {
  minKeycode: number;
  /** rows[i] holds the keysyms of keycode minKeycode + i; 0 is NoSymbol. */
  rows: number[][];
  /** Keycodes of Shift, Lock, Control, Mod1…Mod5, in that order (0 for an empty slot). */
  modifiers: number[][];
}

/**
 * One persistent connection to an X server with XTest: what the injector needs, as Promises.
 * Requests go out in order on the one socket, so a batch of fake key events needs no round trip
 * until `sync`.
 */
export interface XConnection {
  readonly display: string;
  readKeyboardMapping(): Promise<KeyboardMapping>;
  /** Sets the keysyms of one keycode (padded to the server's keysyms per keycode). */
  setKeysyms(keycode: number, keysyms: number[], keysymsPerKeycode: number): void;
  fakeKey(keycode: number, press: boolean): void;
  /** Round trip: every request so far has been processed (and its errors reported). */
  sync(): Promise<void>;
  /** The 256 key bits of the server's keyboard state (QueryKeymap). */
  pressedKeycodes(): Promise<number[]>;
  /** The modifier and button mask of the core pointer: which modifiers are active now. */
  modifierState(): Promise<number>;
  /** Told when the server changes the keyboard or modifier mapping (not the pointer's). */
  onMappingChange(listener: () => void): void;
  /** Told once when the connection ends, for whatever reason. */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

function promised<T>(start: (callback: (error: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value)));
  });
}

/** Opens `display` (e.g. ":0") and its XTest extension. Rejects with a message a person can act on. */
export function openXConnection(display: string): Promise<XConnection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let client: XClient | undefined;
    const closeListeners: ((reason: string) => void)[] = [];
    const mappingListeners: (() => void)[] = [];
    let closed = false;

    function ended(reason: string): void {
      if (closed) {
        return;
      }
      closed = true;
      for (const listener of closeListeners) {
        listener(reason);
      }
    }

    const timer = setTimeout(() => {
      fail(new Error(`no answer from X display ${display} within ${CONNECT_TIMEOUT_MS} ms`));
      client?.terminate();
    }, CONNECT_TIMEOUT_MS);

    function fail(error: Error): void {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`cannot open X display ${display}: ${error.message}`));
      }
    }

    try {
      client = x11.createClient({ display }, (error, opened) => {
        if (error) {
          fail(error);
          return;
        }
        const connection = opened.client;
        connection.require('xtest', (xtestError, xtest: XTest) => {
          if (xtestError) {
            fail(new Error(`the XTEST extension is missing: ${xtestError.message}`));
            connection.terminate();
            return;
          }
          settled = true;
          clearTimeout(timer);
          const root = opened.screen[0]?.root ?? 0;
          resolve({
            display,
            async readKeyboardMapping() {
              const count = opened.max_keycode - opened.min_keycode + 1;
              const rows = await promised<number[][]>((callback) =>
                connection.GetKeyboardMapping(opened.min_keycode, count, callback),
              );
              const modifiers = await promised<number[][]>((callback) => connection.GetModifierMapping(callback));
              return { minKeycode: opened.min_keycode, rows, modifiers };
            },
            setKeysyms(keycode, keysyms, keysymsPerKeycode) {
              const row = Array.from({ length: keysymsPerKeycode }, (_, index) => keysyms[index] ?? 0);
              connection.ChangeKeyboardMapping(keycode, keysymsPerKeycode, row);
            },
            fakeKey(keycode, press) {
              xtest.FakeInput(press ? xtest.KeyPress : xtest.KeyRelease, keycode, 0, 0, 0, 0);
            },
            sync: () => connection.sync(),
            async pressedKeycodes() {
              const bits = await promised<Buffer>((callback) => connection.QueryKeymap(callback));
              const pressed: number[] = [];
              for (let keycode = 0; keycode < 256; keycode++) {
                if (((bits[keycode >> 3] ?? 0) >> (keycode & 7)) & 1) {
                  pressed.push(keycode);
                }
              }
              return pressed;
            },
            async modifierState() {
              const pointer = await promised<{ keyMask: number }>((callback) =>
                connection.QueryPointer(root, callback),
              );
              return pointer.keyMask;
            },
            onMappingChange(listener) {
              mappingListeners.push(listener);
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
                connection.close(() => done());
                // A server that no longer answers must not hold the host's shutdown.
                setTimeout(() => {
                  connection.terminate();
                  done();
                }, CONNECT_TIMEOUT_MS).unref();
              });
            },
          });
        });
      });
    } catch (error) {
      fail(error as Error);
      return;
    }
    client.on('event', (event: XEvent) => {
      if (event.type === MAPPING_NOTIFY && (event.request === MAPPING_KEYBOARD || event.request === MAPPING_MODIFIER)) {
        for (const listener of mappingListeners) {
          listener();
        }
      }
    });
    client.on('error', (error: Error) => {
      if (!settled) {
        fail(error);
      } else if ((error as { error?: number }).error === undefined) {
        // Socket errors end the connection; X protocol errors of single requests are reported
        // by the request that caused them (through sync).
        ended(error.message);
      }
    });
    client.on('end', () => {
      fail(new Error('the server closed the connection'));
      ended(`X display ${display} closed the connection`);
    });
  });
}
