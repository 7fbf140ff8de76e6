/**
 * X sessions for the keyboard tests and benchmark: Xvfb as the HDMI screen with openbox, an
 * xterm running keylog.py (every byte the app reads goes to a file), and the same app behind
 * xpra on a second display, forwarded onto the first. Every process is tracked (processes.ts)
 * and killed with the test process; `stop` ends them in order.
 *
 * Displays come from :70–:79, the range the keyboard tests own; a display whose socket or lock
 * file exists is skipped.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { XPRA_ATTACH_OPTIONS, XPRA_SERVER_OPTIONS } from '../../src/apps/xpra.js';
import { freePort, track } from './processes.js';

const run = promisify(execFile);
export const KEYLOG_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'keylog.py');
/** Debian's Python: the one xpra and the test hosts have, whatever else is on PATH. */
const PYTHON = '/usr/bin/python3';
const FIRST_DISPLAY = 70;
const LAST_DISPLAY = 79;
/** Xvfb is up in well under a second; xpra needs a few seconds for its own Xvfb and the attach. */
const X_START_TIMEOUT_MS = 15_000;
const XPRA_TIMEOUT_MS = 60_000;
const POLL_MS = 50;

const taken = new Set<number>();

function displayFree(number: number): boolean {
  return !taken.has(number) && !existsSync(`/tmp/.X11-unix/X${number}`) && !existsSync(`/tmp/.X${number}-lock`);
}

/** Display numbers a suite owns: keyboard tests :70–:79, app tests :80–:89. */
export interface DisplayRange {
  first: number;
  last: number;
}

const KEYBOARD_DISPLAYS: DisplayRange = { first: FIRST_DISPLAY, last: LAST_DISPLAY };

function nextDisplay(range: DisplayRange = KEYBOARD_DISPLAYS): number {
  for (let number = range.first; number <= range.last; number++) {
    if (displayFree(number)) {
      taken.add(number);
      return number;
    }
  }
  throw new Error(`no free X display from :${range.first} to :${range.last}`);
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

interface Started {
  child: ChildProcess;
  output(): string;
}

/** Starts a process in its own group, tracked, with its output kept for error messages. */
function start(command: string, args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(String(error))));
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // gone
    }
  }, 3_000);
  await exited;
  clearTimeout(timer);
}

/** Ends the X server of a display by the pid its lock file holds, if it still runs. */
async function stopByLockFile(number: number): Promise<void> {
  const lock = `/tmp/.X${number}-lock`;
  const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) {
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  await waitFor(`X server ${pid} of :${number} to exit`, () => !existsSync(lock), 5_000).catch(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone after all
    }
  });
}

/** `xdotool …` on a display; its standard output, trimmed. */
export async function xdotool(display: string, args: string[]): Promise<string> {
  const { stdout } = await run('xdotool', args, { env: { ...process.env, DISPLAY: display } });
  return stdout.trim();
}

async function windowOf(display: string, title: string): Promise<string | undefined> {
  try {
    const ids = await xdotool(display, ['search', '--onlyvisible', '--name', title]);
    return ids.split('\n').filter(Boolean)[0];
  } catch {
    return undefined; // xdotool exits 1 when nothing matches
  }
}

/** The name of the window that has the X input focus. */
export async function focusedWindowName(display: string): Promise<string> {
  return xdotool(display, ['getwindowfocus', 'getwindowname']);
}

export interface KeylogApp {
  title: string;
  /** The file every byte the app reads goes to. */
  log: string;
  /** What the app has read so far, as UTF-8. */
  read(): Promise<string>;
  /** Empties the log. */
  clear(): Promise<void>;
  /** Gives the app's window the focus (through the window manager). */
  activate(): Promise<void>;
}

export interface XSession {
  display: string;
  /** A folder for logs and files of this session, removed by `stop`. */
  folder: string;
  /** With `tcp`: the X cookie (hex) and the authority file holding it, for XAUTHORITY. */
  cookie?: string;
  authority?: string;
  /** An xterm with keylog.py, focused; `log` may name a FIFO the caller reads. */
  keylogApp(title: string, log?: string): Promise<KeylogApp>;
  /** The same app on an xpra server on another display, its window forwarded onto this one. */
  forwardedKeylogApp(title: string): Promise<KeylogApp>;
  stop(): Promise<void>;
}

/** Xvfb (1280×720) with openbox on the next free display of the range (:70–:79 by default). */
export async function startXSession(
  range: DisplayRange = KEYBOARD_DISPLAYS,
  options: { tcp?: boolean } = {},
): Promise<XSession> {
  const number = nextDisplay(range);
  const display = `:${number}`;
  const folder = await mkdtemp(join(tmpdir(), 'kubedesk-x-'));
  const processes: Started[] = [];
  const displays = [number];

  // With `tcp`, the screen also takes X clients over TCP (port 6000 + display, as x11-mode apps
  // reach the display node), guarded by a MIT-MAGIC-COOKIE-1 that every client must show.
  let cookie: string | undefined;
  let authority: string | undefined;
  if (options.tcp) {
    cookie = randomBytes(16).toString('hex');
    authority = join(folder, 'Xauthority');
    await run('xauth', ['-f', authority, 'add', display, 'MIT-MAGIC-COOKIE-1', cookie]);
  }
  const xvfb = start('Xvfb', [
    display,
    '-screen',
    '0',
    '1280x720x24',
    '-noreset',
    ...(authority ? ['-listen', 'tcp', '-auth', authority] : ['-nolisten', 'tcp']),
  ]);
  processes.push(xvfb);
  await waitFor(
    `Xvfb on ${display} (${xvfb.output()})`,
    () => existsSync(`/tmp/.X11-unix/X${number}`),
    X_START_TIMEOUT_MS,
  );
  processes.push(start('openbox', [], { DISPLAY: display, ...(authority ? { XAUTHORITY: authority } : {}) }));

  function keylog(log: string, title: string, activateOn: string): KeylogApp {
    return {
      title,
      log,
      read: async () => (existsSync(log) ? readFile(log, 'utf8') : ''),
      clear: () => writeFile(log, ''),
      async activate() {
        const id = await windowOf(activateOn, title);
        if (id === undefined) {
          throw new Error(`no window "${title}" on ${activateOn}`);
        }
        await xdotool(activateOn, ['windowactivate', '--sync', id]);
        await waitFor(
          `focus on "${title}"`,
          async () => (await focusedWindowName(activateOn)).startsWith(title),
          5_000,
        );
      },
    };
  }

  async function xtermApp(onDisplay: string, title: string, log: string, create = true): Promise<Started> {
    if (create) {
      await writeFile(log, '');
    }
    const xterm = start('xterm', ['-T', title, '-e', PYTHON, KEYLOG_SCRIPT, log], {
      DISPLAY: onDisplay,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
    });
    processes.push(xterm);
    return xterm;
  }

  return {
    display,
    folder,
    ...(cookie && authority ? { cookie, authority } : {}),
    async keylogApp(title, given) {
      const log = given ?? join(folder, `${title}.log`);
      const xterm = await xtermApp(display, title, log, given === undefined);
      await waitFor(
        `the xterm "${title}" (${xterm.output()})`,
        async () => (await windowOf(display, title)) !== undefined,
        X_START_TIMEOUT_MS,
      );
      const app = keylog(log, title, display);
      await app.activate();
      return app;
    },
    async forwardedKeylogApp(title) {
      const appNumber = nextDisplay(range);
      displays.push(appNumber);
      const log = join(folder, `${title}.log`);
      await writeFile(log, '');
      const port = await freePort();
      const passwordFile = join(folder, 'xpra-password');
      await writeFile(passwordFile, Math.random().toString(36).slice(2) + Date.now().toString(36), { mode: 0o600 });
      // Debian's xpra.conf starts the whole Xsession with each server: start nothing extra.
      await mkdir(join(folder, 'xpra'), { recursive: true });
      await writeFile(join(folder, 'xpra', 'xpra.conf'), 'start = /bin/true\n');
      const server = start(
        'xpra',
        [
          'start',
          `:${appNumber}`,
          `--bind-tcp=127.0.0.1:${port}`,
          `--tcp-auth=file:filename=${passwordFile}`,
          `--start-child=env LANG=C.UTF-8 LC_ALL=C.UTF-8 xterm -T ${title} -e ${PYTHON} ${KEYLOG_SCRIPT} ${log}`,
          ...XPRA_SERVER_OPTIONS,
        ],
        { XDG_CONFIG_DIRS: `${folder}:/etc/xdg` },
      );
      processes.push(server);
      const client = start(
        'xpra',
        ['attach', `tcp://127.0.0.1:${port}/`, `--password-file=${passwordFile}`, ...XPRA_ATTACH_OPTIONS],
        // xpra 3.1's client drops keys whose keysym has no name but U+XXXX (CJK) without this.
        { DISPLAY: display, XPRA_UNICODE_KEYNAMES: '1' },
      );
      processes.push(client);
      await waitFor(
        `the forwarded window "${title}" (server: ${server.output().slice(-2000)} client: ${client.output().slice(-2000)})`,
        async () => (await windowOf(display, title)) !== undefined,
        XPRA_TIMEOUT_MS,
      );
      const app = keylog(log, title, display);
      await app.activate();
      return app;
    },
    async stop() {
      for (const started of processes.reverse()) {
        await stopProcess(started.child);
      }
      // xpra starts its Xvfb in a session of its own, out of reach of the group signal: end it
      // by the pid in the display's lock file, so nothing outlives the test.
      for (const owned of displays.slice(1)) {
        await stopByLockFile(owned);
      }
      for (const owned of displays) {
        taken.delete(owned);
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}
