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
  private readonly tracker = new OscTracker();
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
      const text = this.pipe.decode(chunk);
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
    this.shell?.write(data);
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
    this.shell?.close();
    this.shell = null;
    this.pipe.dispose();
    this.setState('closed', null);
  }
}
