import { openScreen, type XScreen } from '../x11/index.js';

export interface TrackedWindow {
  id: number;
  /**
   * The process of the X client that made the window: `_NET_WM_PID` of its client leader. For an
   * xpra window that is the `xpra attach` process (the window's own `_NET_WM_PID` is the app's
   * pid on the far side, which says nothing here).
   */
  clientPid: number | null;
  title: string;
  focused: boolean;
}

/** EWMH source indication "pager": the window manager treats the request as the user's own. */
const SOURCE_PAGER = 2;

/**
 * The windows on the display node's screen, as the window manager lists them (EWMH
 * `_NET_CLIENT_LIST`), kept current from PropertyNotify events rather than by polling.
 */
export class WindowTracker {
  private known = new Map<number, TrackedWindow>();
  private active = 0;
  private listeners = new Set<(windows: TrackedWindow[]) => void>();
  private refreshing: Promise<void> | undefined;
  private again = false;

  private constructor(private readonly screen: XScreen) {}

  static async open(display: string): Promise<WindowTracker> {
    const screen = await openScreen(display);
    const tracker = new WindowTracker(screen);
    const watched = new Set(
      await Promise.all(['_NET_CLIENT_LIST', '_NET_ACTIVE_WINDOW'].map((name) => screen.atom(name))),
    );
    const titles = new Set(await Promise.all(['_NET_WM_NAME', 'WM_NAME'].map((name) => screen.atom(name))));
    screen.watchProperties(screen.root);
    screen.onPropertyChange((window, atom) => {
      if (window === screen.root && watched.has(atom)) {
        void tracker.refresh();
      } else if (titles.has(atom) && tracker.known.has(window)) {
        void tracker.retitle(window);
      }
    });
    await tracker.refresh();
    return tracker;
  }

  get display(): string {
    return this.screen.display;
  }

  windows(): TrackedWindow[] {
    return [...this.known.values()].map((window) => ({ ...window }));
  }

  onChange(listener: (windows: TrackedWindow[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): void {
    this.screen.onClose(listener);
  }

  /** Raises and focuses a window, through the window manager. */
  async activate(id: number): Promise<void> {
    await this.screen.sendRootMessage(id, '_NET_ACTIVE_WINDOW', [SOURCE_PAGER, 0, 0]);
  }

  /** Asks the window's app to close it, as the title bar's close button would. */
  async requestClose(id: number): Promise<void> {
    await this.screen.sendRootMessage(id, '_NET_CLOSE_WINDOW', [0, SOURCE_PAGER]);
  }

  close(): Promise<void> {
    return this.screen.close();
  }

  /** Re-reads the client list; calls that arrive while one runs fold into one more pass. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.readClientList().catch(() => undefined);
      } while (this.again);
      this.refreshing = undefined;
    })();
    return this.refreshing;
  }

  private async readClientList(): Promise<void> {
    const ids = await this.screen.cardinals(this.screen.root, '_NET_CLIENT_LIST');
    this.active = (await this.screen.cardinals(this.screen.root, '_NET_ACTIVE_WINDOW'))[0] ?? 0;
    const next = new Map<number, TrackedWindow>();
    for (const id of ids) {
      const previous = this.known.get(id);
      if (previous) {
        next.set(id, { ...previous, focused: id === this.active });
        continue;
      }
      try {
        const leader = (await this.screen.cardinals(id, 'WM_CLIENT_LEADER'))[0];
        const clientPid =
          (leader ? (await this.screen.cardinals(leader, '_NET_WM_PID'))[0] : undefined) ??
          (await this.screen.cardinals(id, '_NET_WM_PID'))[0] ??
          null;
        const title = (await this.screen.text(id, '_NET_WM_NAME')) ?? (await this.screen.text(id, 'WM_NAME')) ?? '';
        this.screen.watchProperties(id);
        next.set(id, { id, clientPid, title, focused: id === this.active });
      } catch {
        // The window closed while we read it: the next client list will not have it.
      }
    }
    this.known = next;
    this.emit();
  }

  private async retitle(id: number): Promise<void> {
    const title = (await this.screen.text(id, '_NET_WM_NAME').catch(() => null)) ?? '';
    const window = this.known.get(id);
    if (window && window.title !== title) {
      window.title = title;
      this.emit();
    }
  }

  private emit(): void {
    const windows = this.windows();
    for (const listener of [...this.listeners]) {
      listener(windows);
    }
  }
}
