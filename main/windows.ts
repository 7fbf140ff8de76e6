import { BrowserWindow, screen } from 'electron';
import { secureWebPreferences } from './security.js';

/** The taskbar's height in device-independent pixels: 56 reads well at 1080p from a sofa. */
export const TASKBAR_HEIGHT = 56;
/** Height of the on-screen keyboard window, docked right above the taskbar. */
export const KEYBOARD_HEIGHT = 320;

export interface Pages {
  preload: string;
  /** Loads the renderer at a route: '' for the taskbar, 'keyboard', 'terminal'. */
  load(window: BrowserWindow, route: string): Promise<void>;
}

/** The bottom panel: full width, a dock that stays on top of app windows and has no frame. */
export function createTaskbarWindow(pages: Pages): BrowserWindow {
  const { bounds } = screen.getPrimaryDisplay();
  const window = new BrowserWindow({
    x: bounds.x,
    y: bounds.y + bounds.height - TASKBAR_HEIGHT,
    width: bounds.width,
    height: TASKBAR_HEIGHT,
    type: 'dock',
    frame: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    show: false,
    backgroundColor: '#0f172a',
    webPreferences: secureWebPreferences(pages.preload),
  });
  window.once('ready-to-show', () => window.show());
  void pages.load(window, '');
  return window;
}

/**
 * The on-screen keyboard: it must never take focus, or keys would land in the keyboard instead
 * of the app the user is typing into. Hidden until the taskbar's keyboard button shows it.
 */
export function createKeyboardWindow(pages: Pages): BrowserWindow {
  const { bounds } = screen.getPrimaryDisplay();
  const window = new BrowserWindow({
    x: bounds.x,
    y: bounds.y + bounds.height - TASKBAR_HEIGHT - KEYBOARD_HEIGHT,
    width: bounds.width,
    height: KEYBOARD_HEIGHT,
    type: 'toolbar',
    focusable: false,
    frame: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    resizable: false,
    show: false,
    backgroundColor: '#0f172a',
    webPreferences: secureWebPreferences(pages.preload),
  });
  void pages.load(window, 'keyboard');
  return window;
}

/** A terminal window: an ordinary framed window that can be moved, resized and closed. */
export function createTerminalWindow(pages: Pages): BrowserWindow {
  const window = new BrowserWindow({
    width: 960,
    height: 600,
    title: 'Kubedesk Terminal',
    show: false,
    backgroundColor: '#0b1220',
    webPreferences: secureWebPreferences(pages.preload),
  });
  window.once('ready-to-show', () => window.show());
  void pages.load(window, 'terminal');
  return window;
}
