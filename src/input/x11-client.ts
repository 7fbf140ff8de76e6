import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/**
 * The parts of the `x11` package (a pure-JS X11 client, CommonJS, without type declarations)
 * that the input capability uses, typed here. Callbacks are Node style; requests are queued on
 * one connection.
 */
export interface XEvent {
  type: number;
  name?: string;
  /** MappingNotify: 0 Modifier, 1 Keyboard, 2 Pointer. */
  request?: number;
  firstKeyCode?: number;
  count?: number;
}

export interface XTest {
  KeyPress: number;
  KeyRelease: number;
  FakeInput(type: number, detail: number, time: number, window: number, x: number, y: number): void;
}

export interface XClient extends EventEmitter {
  GetKeyboardMapping(first: number, count: number, callback: (error: Error | null, rows: number[][]) => void): void;
  ChangeKeyboardMapping(first: number, keysymsPerKeycode: number, keysyms: number[]): void;
  GetModifierMapping(callback: (error: Error | null, rows: number[][]) => void): void;
  QueryKeymap(callback: (error: Error | null, keys: Buffer) => void): void;
  QueryPointer(
    window: number,
    callback: (error: Error | null, pointer: { keyMask: number; root: number }) => void,
  ): void;
  require(name: 'xtest', callback: (error: Error | null, extension: XTest) => void): void;
  sync(): Promise<void>;
  close(callback?: (error?: Error) => void): void;
  terminate(): void;
}

export interface XDisplay {
  client: XClient;
  min_keycode: number;
  max_keycode: number;
  screen: { root: number }[];
}

export interface X11Module {
  createClient(options: { display?: string }, callback: (error: Error | null, display: XDisplay) => void): XClient;
  keySyms: Record<string, { code: number; description: string }>;
}

export const x11 = createRequire(import.meta.url)('x11') as X11Module;
