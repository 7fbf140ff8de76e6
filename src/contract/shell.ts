import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/**
 * The Electron shell's own windows, which only its main process can move: the on-screen keyboard
 * (a window that never takes focus) and terminal windows. The web host has none; there the
 * renderer shows the same things as panels.
 */
export interface ShellApi {
  /** Shows or hides the keyboard window, docked above the taskbar, without taking focus. */
  setKeyboardVisible(visible: boolean): Promise<void>;
  /** Tells whether the keyboard window is shown, now and on every change. */
  onKeyboardVisible(listener: Listener<boolean>): Disposable;
  /** Opens a terminal window. */
  openTerminal(): Promise<void>;
}

export const shellSpec = defineCapability<ShellApi>()({
  methods: {
    setKeyboardVisible: z.tuple([z.boolean()]),
    openTerminal: z.tuple([]),
  },
  events: {
    onKeyboardVisible: z.tuple([]),
  },
});
