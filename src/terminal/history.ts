import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** Commands kept per tab; bash gets the newest that fit its argument budget. */
export const HISTORY_MAX_ENTRIES = 5_000;
/** Writes are gathered for this long: a burst of commands costs one write. */
const SAVE_DELAY_MS = 250;

const historyFileSchema = z.strictObject({ version: z.literal(1), commands: z.array(z.string().max(64 * 1024)) });

/** `$XDG_STATE_HOME/kubedesk` or `~/.local/state/kubedesk`. */
export function defaultStateDirectory(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'kubedesk');
}

/**
 * Each tab's command history, kept by the host (not on any node) so it follows the tab from
 * node to node, and written to `<state>/terminal/history/<tab>.json` so it survives restarts.
 */
export class HistoryStore {
  private readonly folder: string;
  private readonly cache = new Map<string, string[]>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly writes = new Set<Promise<void>>();

  constructor(stateDirectory: string) {
    this.folder = join(stateDirectory, 'terminal', 'history');
  }

  private file(tab: string): string {
    return join(this.folder, `${tab}.json`);
  }

  /** The tab's history; an unreadable file counts as empty (and is replaced at the next save). */
  async load(tab: string): Promise<string[]> {
    const cached = this.cache.get(tab);
    if (cached) {
      return cached;
    }
    let commands: string[];
    try {
      commands = historyFileSchema.parse(JSON.parse(await readFile(this.file(tab), 'utf8'))).commands;
    } catch {
      commands = [];
    }
    this.cache.set(tab, commands);
    return commands;
  }

  add(tab: string, command: string): void {
    const commands = this.cache.get(tab) ?? [];
    this.cache.set(tab, commands);
    commands.push(command);
    if (commands.length > HISTORY_MAX_ENTRIES) {
      commands.splice(0, commands.length - HISTORY_MAX_ENTRIES);
    }
    if (!this.timers.has(tab)) {
      this.timers.set(
        tab,
        setTimeout(() => {
          this.timers.delete(tab);
          this.track(this.save(tab));
        }, SAVE_DELAY_MS),
      );
    }
  }

  private track(write: Promise<void>): void {
    this.writes.add(write);
    // A failed write (full disk, read-only state folder) must not end the host as an unhandled
    // rejection: the commands stay in memory, and the next command's save tries again.
    void write.catch(() => undefined).finally(() => this.writes.delete(write));
  }

  private async save(tab: string): Promise<void> {
    const commands = this.cache.get(tab) ?? [];
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    // Written aside and renamed: a crash mid-write leaves the previous history, not half of it.
    const temporary = `${this.file(tab)}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ version: 1, commands }), { mode: 0o600 });
    await rename(temporary, this.file(tab));
  }

  /** Writes whatever is pending (host shutdown). */
  async flush(): Promise<void> {
    for (const [tab, timer] of this.timers) {
      clearTimeout(timer);
      this.track(this.save(tab));
    }
    this.timers.clear();
    await Promise.allSettled([...this.writes]);
  }
}
