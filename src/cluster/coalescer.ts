/**
 * At most one flush per animation frame: a burst of 10,000 pod events becomes a few dozen
 * messages to the renderer, each carrying only what changed since the last.
 */
export const FRAME_MS = 16;

export class Coalescer<T> {
  private upserts = new Map<string, T>();
  private removals = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlush = 0;

  constructor(
    private readonly flush: (upserts: T[], removals: string[]) => void,
    private readonly frameMs = FRAME_MS,
  ) {}

  upsert(key: string, value: T): void {
    this.removals.delete(key);
    this.upserts.set(key, value);
    this.schedule();
  }

  remove(key: string): void {
    this.upserts.delete(key);
    this.removals.add(key);
    this.schedule();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) {
      return;
    }
    // The first change after a quiet spell goes out at once; later ones wait for the frame.
    const wait = Math.max(0, this.lastFlush + this.frameMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastFlush = Date.now();
      const upserts = [...this.upserts.values()];
      const removals = [...this.removals];
      this.upserts.clear();
      this.removals.clear();
      if (upserts.length > 0 || removals.length > 0) {
        this.flush(upserts, removals);
      }
    }, wait);
  }
}
