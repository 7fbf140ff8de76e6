import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { XPRA_ATTACH_OPTIONS } from './xpra.js';

/** A dropped attach is tried again quickly, then less often, never giving up while the session lives. */
export const ATTACH_FIRST_RETRY_MS = 300;
export const ATTACH_MAX_RETRY_MS = 10_000;
/** An attach that lived this long was a working connection: the next drop starts the backoff over. */
export const ATTACH_STABLE_MS = 15_000;
/** How often the xpra server's port is tried before the first attach, and for how long at most. */
export const LISTEN_PROBE_INTERVAL_MS = 50;
export const LISTEN_PROBE_TIMEOUT_MS = 60_000;
/** How long `xpra attach` may take to leave after SIGTERM before it is killed. */
export const ATTACH_STOP_GRACE_MS = 2_000;

/**
 * xpra from Debian runs under the system Python; a PATH with other Pythons first (pyenv shims)
 * breaks it, so attach processes get the system's PATH.
 */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Whether something accepts TCP connections at address:port now. */
function probe(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface AttachTarget {
  session: string;
  address: string;
  port: number;
  password: string;
}

export interface AttachState {
  pid: number | null;
  /** Attempts since the last stable connection. */
  attempts: number;
  lastExit: string | null;
}

/**
 * One `xpra attach` per session on the display node's X server, restarted with backoff when it
 * drops; stopped (the app keeps running in its pod) when the session ends or the shell exits.
 */
export class Attachment {
  private child: ChildProcess | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly folder = mkdtempSync(join(tmpdir(), 'kubedesk-attach-'));
  readonly state: AttachState = { pid: null, attempts: 0, lastExit: null };

  constructor(
    private readonly target: AttachTarget,
    private readonly display: string,
    private readonly onChange: (state: AttachState) => void,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    // xpra reads the password from a file; without a trailing newline, as the env
    // authenticator on the server compares it byte for byte.
    writeFileSync(join(this.folder, 'password'), target.password, { mode: 0o600 });
    void this.whenListening().then(() => this.start());
  }

  /**
   * Waits until the pod's xpra server takes connections. Starting `xpra attach` costs most of a
   * second of Python imports, and one that finds nobody listening exits and starts again: a
   * cheap TCP probe first makes the first attach the one that works.
   */
  private async whenListening(): Promise<void> {
    const deadline = Date.now() + LISTEN_PROBE_TIMEOUT_MS;
    while (!this.stopped && Date.now() < deadline) {
      if (await probe(this.target.address, this.target.port)) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, LISTEN_PROBE_INTERVAL_MS));
    }
  }

  get pid(): number | null {
    return this.state.pid;
  }

  private start(): void {
    if (this.stopped) {
      return;
    }
    const startedAt = Date.now();
    const child = spawn(
      'xpra',
      [
        'attach',
        `tcp://${this.target.address}:${this.target.port}/`,
        `--password-file=${join(this.folder, 'password')}`,
        // The app's own window titles, without xpra's " on host" suffix.
        '--title=@title@',
        ...XPRA_ATTACH_OPTIONS,
        '--printing=no',
        '--file-transfer=no',
      ],
      {
        env: {
          PATH: SYSTEM_PATH,
          HOME: this.folder,
          DISPLAY: this.display,
          ...(process.env.XAUTHORITY ? { XAUTHORITY: process.env.XAUTHORITY } : {}),
          LANG: process.env.LANG ?? 'C.UTF-8',
          // xpra 3.1 drops keys of characters outside the keymap (CJK, emoji) without it.
          XPRA_UNICODE_KEYNAMES: '1',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child = child;
    this.state.pid = child.pid ?? null;
    this.onChange({ ...this.state });
    let lastLine = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      const lines = text.trim().split('\n');
      lastLine = lines.at(-1)?.replace(/^\S+ \S+ /, '') ?? lastLine;
    });
    child.on('error', (error) => {
      lastLine = error.message;
    });
    child.on('exit', (code, signal) => {
      this.child = undefined;
      this.state.pid = null;
      this.state.lastExit = `${signal ?? `exit ${code}`}${lastLine ? `: ${lastLine}` : ''}`;
      if (this.stopped) {
        return;
      }
      this.state.attempts = Date.now() - startedAt >= ATTACH_STABLE_MS ? 1 : this.state.attempts + 1;
      const delay = Math.min(ATTACH_MAX_RETRY_MS, ATTACH_FIRST_RETRY_MS * 2 ** (this.state.attempts - 1));
      this.log(`attach of ${this.target.session} ended (${this.state.lastExit}); again in ${delay} ms`);
      this.onChange({ ...this.state });
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  /** Detaches: the app keeps running in its pod. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), ATTACH_STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    rmSync(this.folder, { recursive: true, force: true });
  }
}
