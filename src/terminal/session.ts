import type { TerminalInfo, TerminalOutput, TerminalState } from '../contract/index.js';
import type { ExecEnd } from './exec.js';
import { OutputPipe } from './flow.js';
import type { HistoryStore } from './history.js';
import { shellCommand } from './integration.js';
import { OscTracker } from './osc.js';
import type { ShellProcess } from './shell.js';

/** Reconnect backoff after a broken stream: 250 ms doubling to 5 s, ±20 % jitter. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5_000;
/**
 * Ctrl-C during a flood: the output written before the interrupt fills the TCP buffers between
 * the node and the host (megabytes per hop), and drawing it all first kept the prompt away for
 * seconds. So it is read at full speed and dropped until the shell's next prompt (its OSC 7);
 * a program that ignores the interrupt, or a shell without the integration, gets its output
 * drawn again after this long.
 */
const INTERRUPT_SKIP_MAX_MS = 3_000;
/** The last line of dropped output is kept (up to this) and shown then: it is likely a prompt. */
const SKIPPED_LINE_MAX_CHARS = 4096;
/**
 * A Ctrl-C counts as "during a flood" when the output was held back by flow control this
 * recently: at the moment of the key the pipe may just have resumed, with little pending.
 */
const FLOOD_RECENT_MS = 500;
const INTERRUPT = '\x03';
const PROMPT_REPORT = '\x1b]7;';
/** In place of what was dropped; SGR reset, as the dropped part may have left colours set. */
const SKIPPED_NOTICE = '\x1b[0m^C [output skipped]\r\n';

export interface SessionContext {
  history: HistoryStore;
  /** Opens a shell on a node with the integration's command. */
  open(node: string, command: string[], columns: number, rows: number): Promise<ShellProcess>;
  kindOf(node: string): TerminalInfo['kind'];
}

/**
 * One tab: the shell it has now, on one node, and what outlives that shell — the working
 * directory, the history, the output pipe and its listeners. Moving to another node or
 * reconnecting replaces the shell and keeps the rest.
 */
export class TerminalSession {
  private shell: ShellProcess | null = null;
  private generation = 0;
  private state: TerminalState = 'connecting';
  private reason: string | null = null;
  private directory: string | null;
  private node: string;
  private columns: number;
  private rows: number;
  private retryMs = RECONNECT_FIRST_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set from a Ctrl-C during a flood until the next prompt (see INTERRUPT_SKIP_MAX_MS). */
  private skipTimer: ReturnType<typeof setTimeout> | undefined;
  private skipping = false;
  /** The end of the dropped output: the prompt's OSC 7 may start in one chunk and go on in the next. */
  private skippedTail = '';
  private skippedLine = '';
  /** When output was last held back by flow control (Date.now()). */
  private floodSeenAt = -Infinity;
  private tracker = new OscTracker();
  private readonly outputListeners = new Set<(output: TerminalOutput) => void>();
  private readonly infoListeners = new Set<(info: TerminalInfo) => void>();
  readonly pipe = new OutputPipe((data, bytes) => {
    for (const listener of this.outputListeners) {
      listener({ data, bytes });
    }
  });

  constructor(
    readonly tab: string,
    node: string,
    private readonly persistent: boolean,
    directory: string | null,
    columns: number,
    rows: number,
    private readonly context: SessionContext,
  ) {
    this.node = node;
    this.directory = directory;
    this.columns = columns;
    this.rows = rows;
  }

  info(): TerminalInfo {
    return {
      tab: this.tab,
      node: this.node,
      kind: this.context.kindOf(this.node),
      state: this.state,
      directory: this.directory,
      persistent: this.persistent,
      reason: this.reason,
      historyLength: 0,
    };
  }

  private async announce(): Promise<void> {
    const info = { ...this.info(), historyLength: (await this.context.history.load(this.tab)).length };
    for (const listener of this.infoListeners) {
      listener(info);
    }
  }

  private setState(state: TerminalState, reason: string | null): void {
    this.state = state;
    this.reason = reason;
    void this.announce();
  }

  /** Starts a shell on the tab's node; the previous one (if any) is closed first. */
  async start(): Promise<void> {
    const generation = ++this.generation;
    clearTimeout(this.skipTimer);
    this.skipping = false;
    this.skippedTail = '';
    this.skippedLine = '';
    this.shell?.close();
    this.shell = null;
    const history = await this.context.history.load(this.tab);
    // tmux sessions are per tab and node: coming back to a node returns to its shell.
    const tmuxSession = this.persistent ? `kubedesk-${this.tab}` : null;
    const command = shellCommand({ directory: this.directory, node: this.node, history, tmuxSession });
    let shell: ShellProcess;
    try {
      shell = await this.context.open(this.node, command, this.columns, this.rows);
    } catch (error) {
      if (generation === this.generation) {
        this.scheduleReconnect((error as Error).message);
      }
      throw error;
    }
    if (generation !== this.generation || this.state === 'closed') {
      shell.close();
      return;
    }
    this.shell = shell;
    this.pipe.attach(shell);
    shell.onData((chunk) => {
      if (generation !== this.generation) {
        return;
      }
      let text = this.pipe.decode(chunk);
      if (this.skipping) {
        const joined = this.skippedTail + text;
        const prompt = joined.indexOf(PROMPT_REPORT);
        if (prompt < 0) {
          // Still watched for history and directory reports; only the drawing is skipped.
          this.tracker.feed(text);
          this.skippedTail = joined.slice(-(PROMPT_REPORT.length - 1));
          const newline = text.lastIndexOf('\n');
          this.skippedLine = (newline < 0 ? this.skippedLine + text : text.slice(newline + 1)).slice(
            -SKIPPED_LINE_MAX_CHARS,
          );
          return;
        }
        this.tracker.feed(text.slice(0, Math.max(0, prompt - this.skippedTail.length)));
        // Whatever the dropped part left half-parsed is gone with it.
        this.tracker = new OscTracker();
        text = SKIPPED_NOTICE + joined.slice(prompt);
        this.stopSkipping();
      }
      for (const report of this.tracker.feed(text)) {
        if (report.directory !== undefined && report.directory !== this.directory) {
          this.directory = report.directory;
          void this.announce();
        }
        if (report.command !== undefined) {
          this.context.history.add(this.tab, report.command);
        }
      }
      this.pipe.push(chunk, text);
      if (this.pipe.isPaused) {
        this.floodSeenAt = Date.now();
      }
    });
    shell.onEnd((end) => this.ended(generation, end));
    this.retryMs = RECONNECT_FIRST_MS;
    this.setState('open', null);
  }

  private ended(generation: number, end: ExecEnd): void {
    if (generation !== this.generation || this.state === 'closed') {
      return;
    }
    this.pipe.flush();
    this.shell = null;
    if (end.exited) {
      // The shell ended by itself (`exit`): the tab is done, as in any terminal.
      this.setState('closed', end.exitCode ? `the shell exited with ${end.exitCode}` : null);
      return;
    }
    this.scheduleReconnect(end.reason ?? 'connection lost');
  }

  private scheduleReconnect(reason: string): void {
    this.setState('reconnecting', reason);
    clearTimeout(this.retryTimer);
    const delay = this.retryMs * (0.8 + Math.random() * 0.4);
    this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.start().catch(() => undefined);
    }, delay);
  }

  async moveTo(node: string): Promise<void> {
    this.node = node;
    this.setState('connecting', null);
    await this.start();
  }

  write(data: string): void {
    const flooding = this.pipe.isPaused || Date.now() - this.floodSeenAt < FLOOD_RECENT_MS;
    if (data.includes(INTERRUPT) && flooding && this.shell && !this.skipping) {
      // The renderer is far behind: a flood. Drain what is in flight without drawing it.
      this.skipping = true;
      this.shell.resume();
      this.skipTimer = setTimeout(() => {
        // No prompt of ours came (a program that ignores Ctrl-C, or a shell started inside this
        // one): show that output was dropped and its last line, which may be that shell's prompt.
        this.pipe.push(Buffer.alloc(0), `${SKIPPED_NOTICE}${this.skippedLine}`);
        this.stopSkipping();
      }, INTERRUPT_SKIP_MAX_MS);
    }
    this.shell?.write(data);
  }

  private stopSkipping(): void {
    clearTimeout(this.skipTimer);
    this.skipping = false;
    this.skippedTail = '';
    this.skippedLine = '';
    // Back under the pipe's flow control: paused again if the renderer is still behind.
    if (this.pipe.isPaused) {
      this.shell?.pause();
    }
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.shell?.resize(columns, rows);
  }

  onOutput(listener: (output: TerminalOutput) => void): () => void {
    this.outputListeners.add(listener);
    // A new reader starts from zero: the old one will never acknowledge what it was sent.
    this.pipe.reset();
    return () => this.outputListeners.delete(listener);
  }

  onInfo(listener: (info: TerminalInfo) => void): () => void {
    this.infoListeners.add(listener);
    return () => this.infoListeners.delete(listener);
  }

  close(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.skipTimer);
    this.shell?.close();
    this.shell = null;
    this.pipe.dispose();
    this.setState('closed', null);
  }
}
