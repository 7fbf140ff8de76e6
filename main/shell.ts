import { app, ipcMain, session, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { hostSpec } from '../src/contract/index.js';
import { createHost, packageRoot } from '../src/host/index.js';
import { serveRpc } from '../src/rpc/index.js';
import { ipcTransport } from './ipc.js';
import { lockDownContents, lockDownSession } from './security.js';
import { createKeyboardWindow, createTaskbarWindow, type Pages } from './windows.js';

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

  const host = await createHost({ host: 'electron' });

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
