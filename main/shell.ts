import { app, ipcMain, session, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { hostSpec } from '../src/contract/index.js';
import { displaySecretsFromSession } from '../src/apps/index.js';
import { hardwareFromSettings } from '../src/hardware/index.js';
import { createHost, packageRoot } from '../src/host/index.js';
import { serveRpc } from '../src/rpc/index.js';
import { ipcTransport } from './ipc.js';
import { lockDownContents, lockDownSession } from './security.js';
import { createKeyboardWindow, createTaskbarWindow, createTerminalWindow, type Pages } from './windows.js';
import type { ShellApi } from '../src/contract/index.js';

export interface Shell {
  taskbar: BrowserWindow;
  keyboard: BrowserWindow;
  stop(): Promise<void>;
}

/**
 * The Electron shell: one host in the main process, served to every window over IPC. Kept thin:
 * everything a window shows comes from the renderer, everything it does from src/.
 */
export async function startShell(root = packageRoot()): Promise<Shell> {
  await app.whenReady();
  lockDownSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));

  // The windows the shell capability moves; made below, once the host can serve their pages.
  const own: { keyboard?: BrowserWindow } = {};
  const keyboardListeners = new Set<(visible: boolean) => void>();
  function announceKeyboard(): void {
    const visible = own.keyboard?.isVisible() ?? false;
    for (const listener of [...keyboardListeners]) {
      listener(visible);
    }
  }
  const shell: ShellApi = {
    async setKeyboardVisible(visible) {
      if (!own.keyboard || own.keyboard.isDestroyed()) {
        return;
      }
      // showInactive: the keyboard appears without taking the focus from the app being typed into.
      if (visible) {
        own.keyboard.showInactive();
      } else {
        own.keyboard.hide();
      }
      announceKeyboard();
    },
    onKeyboardVisible(listener) {
      keyboardListeners.add(listener);
      queueMicrotask(() => keyboardListeners.has(listener) && listener(own.keyboard?.isVisible() ?? false));
      return { dispose: () => keyboardListeners.delete(listener) };
    },
    async openTerminal() {
      createTerminalWindow(pages);
    },
  };
  // The shell runs in the display node's X session: its DISPLAY, its cookies, and the hardware
  // controller named by KUBEDESK_HARDWARE_URL and KUBEDESK_HARDWARE_TOKEN (see docs/install.md).
  const display = process.env.DISPLAY || null;
  const hardware = await hardwareFromSettings({});
  const host = await createHost({
    host: 'electron',
    shell,
    display,
    ...(display ? { displaySecrets: await displaySecretsFromSession(display) } : {}),
    ...(hardware ? { hardware } : {}),
  });

  /**
   * Serves the contract to each page a window loads. A reload starts a new page with a new
   * client, so the previous page's listeners are released and a fresh peer is served.
   */
  function servePages(window: BrowserWindow): void {
    const contents = window.webContents;
    const serve = () => {
      const transport = ipcTransport(ipcMain, contents);
      // Each page is its own peer: keys it holds are let go when it reloads or closes.
      const peer = host.openPeer();
      serveRpc(peer.api, hostSpec, transport, { session: peer });
      return transport;
    };
    let transport = serve();
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) {
        transport.close();
        transport = serve();
      }
    });
  }

  const pages: Pages = {
    preload: join(root, 'dist', 'preload', 'preload.cjs'),
    async load(window, route) {
      servePages(window);
      await window.loadFile(join(root, 'dist', 'renderer', 'index.html'), route ? { hash: route } : {});
    },
  };
  const taskbar = createTaskbarWindow(pages);
  const keyboard = createKeyboardWindow(pages);
  own.keyboard = keyboard;

  // Apps keep running in their pods when the shell goes: quitting only detaches.
  app.on('window-all-closed', () => app.quit());
  return {
    taskbar,
    keyboard,
    async stop() {
      await host.dispose();
      for (const window of [keyboard, taskbar]) {
        if (!window.isDestroyed()) {
          window.destroy();
        }
      }
    },
  };
}
