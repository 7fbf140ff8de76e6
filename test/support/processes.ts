/**
 * Child processes for end-to-end tests: `kubedesk serve` hosts and the like.
 *
 * Every process started here is tracked and killed when the test process ends, however it ends
 * (normal exit, SIGINT, SIGTERM), so a failed test never leaves a host listening. Tests still
 * stop what they start in afterEach/afterAll; this is the safety net. Processes run with their
 * own process group, so killing one takes its children along.
 *
 * Known limitation: a SIGKILL of the test process itself cannot be caught; the children then
 * live on until killed by hand.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where `bin/kubedesk.js` and the built `dist/` live. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const kubedeskBin = join(repositoryRoot, 'bin', 'kubedesk.js');

/** How long a host may take to print its URL: a cold start of Node plus the host is about 0.5 s. */
const SERVE_START_TIMEOUT_MS = 20_000;
/** How long a stopped process may take to go after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** Output kept per process for error messages; a chatty host must not fill the test's memory. */
const OUTPUT_LIMIT_CHARS = 64 * 1024;
const SERVING_LINE = /Kubedesk is serving at (\S+)/;

const tracked = new Set<ChildProcess>();

/** Sends `signal` to the child's whole process group; quietly does nothing if it is gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Kills every tracked process at once, synchronously: safe inside an `exit` handler. */
export function killAllTracked(): void {
  for (const child of tracked) {
    signalGroup(child, 'SIGKILL');
  }
  tracked.clear();
}

/**
 * Tracks a child started elsewhere (e.g. a browser) so it dies with the test process.
 * The child must have been spawned with `detached: true` for its group to be killed.
 */
export function track(child: ChildProcess): void {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
}

let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) {
    return;
  }
  exitHooksInstalled = true;
  process.once('exit', killAllTracked);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllTracked();
      // Keep the default meaning of the signal unless someone else (Playwright) handles it.
      if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
      }
    });
  }
}

function keepTail(text: string): string {
  return text.length > OUTPUT_LIMIT_CHARS ? text.slice(-OUTPUT_LIMIT_CHARS) : text;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartedProcess {
  child: ChildProcess;
  /** stdout and stderr so far (the tail), for assertions and failure messages. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** SIGKILL, like a crash or a pulled plug; resolves once it is gone. */
  kill(): Promise<Exit>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it is gone. */
  stop(): Promise<Exit>;
}

export interface StartOptions {
  /** Added to (and overriding) the test process's environment. */
  env?: Record<string, string>;
}

/** Starts `node bin/kubedesk.js <args>` with an argument array (no shell), tracked. */
export function startKubedesk(args: string[], options: StartOptions = {}): StartedProcess {
  installExitHooks();
  const child = spawn(process.execPath, [kubedeskBin, ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so signalGroup reaches anything it starts.
    detached: true,
  });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout = keepTail(stdout + chunk)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = keepTail(stderr + chunk)));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    // 'close' rather than 'exit': by then stdout and stderr are fully read.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  // A test that never awaits `exited` must not see an unhandled rejection (spawn failure).
  exited.catch(() => undefined);

  async function signalAndWait(signal: NodeJS.Signals): Promise<Exit> {
    signalGroup(child, signal);
    return exited;
  }

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: () => signalAndWait('SIGKILL'),
    async stop() {
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
      try {
        return await signalAndWait('SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs `kubedesk <args>` to its end; kills it and fails if it outlives `timeoutMs`. */
export async function runKubedesk(
  args: string[],
  options: StartOptions & { timeoutMs?: number } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  const started = startKubedesk(args, options);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void started.kill();
      reject(
        new Error(
          `kubedesk ${args.join(' ')} still ran after ${timeoutMs} ms; stdout:\n${started.stdout()}\nstderr:\n${started.stderr()}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const exit = await Promise.race([started.exited, timedOut]);
    return { ...exit, stdout: started.stdout(), stderr: started.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

export interface ServeProcess extends StartedProcess {
  /** The URL the host printed, with `?token=` when it has one. */
  url: string;
  /** The URL without the token: what a browser shows after the cookie redirect. */
  baseUrl: string;
  port: number;
}

export interface ServeOptions extends StartOptions {
  /** Port to listen on; 0 (the default) lets the host pick a free one. */
  port?: number;
  /** More `serve` arguments, e.g. `['--listen', '127.0.0.1', '--token', token]`. */
  args?: string[];
  timeoutMs?: number;
}

/** How long to keep retrying a fixed port that a killed host's socket may still hold. */
const ADDRESS_IN_USE_RETRY_MS = 5_000;

/**
 * Starts `kubedesk serve --port N …` and waits for the URL it prints. With a fixed port it
 * retries for a few seconds while the port is still in use, as after a host was just killed.
 */
export async function startServe(options: ServeOptions = {}): Promise<ServeProcess> {
  const deadline = Date.now() + ADDRESS_IN_USE_RETRY_MS;
  for (;;) {
    try {
      return await startServeOnce(options);
    } catch (error) {
      const inUse = error instanceof Error && error.message.includes('EADDRINUSE');
      if (!inUse || !options.port || Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function startServeOnce(options: ServeOptions): Promise<ServeProcess> {
  const args = ['serve', '--port', String(options.port ?? 0), ...(options.args ?? [])];
  const started = startKubedesk(args, options);
  const timeoutMs = options.timeoutMs ?? SERVE_START_TIMEOUT_MS;
  const describe = () => `kubedesk ${args.join(' ')}\nstdout:\n${started.stdout()}\nstderr:\n${started.stderr()}`;

  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = SERVING_LINE.exec(started.stdout());
      if (match?.[1]) {
        finish();
        resolve(match[1]);
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no URL after ${timeoutMs} ms from ${describe()}`));
    }, timeoutMs);
    const onExit = (exit: Exit) => {
      finish();
      reject(new Error(`exited early (code ${exit.code}, signal ${exit.signal}) before serving: ${describe()}`));
    };
    function finish() {
      clearTimeout(timer);
      started.child.stdout?.off('data', check);
    }
    started.child.stdout?.on('data', check);
    started.exited.then(onExit, (error: unknown) => {
      finish();
      reject(error instanceof Error ? error : new Error(String(error)));
    });
    check();
  }).catch(async (error: unknown) => {
    await started.kill();
    throw error;
  });

  const parsed = new URL(url);
  const base = new URL(parsed);
  base.search = '';
  return { ...started, url, baseUrl: base.toString(), port: Number(parsed.port) };
}

/** A port that was free on 127.0.0.1 a moment ago (someone may still take it before you do). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Holds a port on 127.0.0.1 until `release` is called. */
export async function holdPort(port = 0): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    async release() {
      server.close();
      await once(server, 'close');
    },
  };
}
