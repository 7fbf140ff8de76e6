import type { KubeConfig } from '@kubernetes/client-node';
import { WebSocket, type ClientOptions } from 'ws';

/** Channels of the Kubernetes exec stream protocol (v4/v5.channel.k8s.io): first byte of a frame. */
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
/** v5 only: "this channel is closed", so a non-TTY command sees the end of its input. */
const CLOSE = 255;

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  tty: boolean;
}

/** How an exec ended: the command's exit (status frame), or a broken connection (none). */
export interface ExecEnd {
  /** True when the API server reported the command's end; false when the stream broke. */
  exited: boolean;
  exitCode: number | null;
  reason: string | null;
}

export interface ExecStream {
  write(data: string | Buffer): void;
  resize(columns: number, rows: number): void;
  /** Stops reading the socket: TCP back-pressure reaches the process on the node. */
  pause(): void;
  resume(): void;
  /** Ends the exec; on a TTY the shell gets a hangup. */
  close(): void;
  onData(listener: (chunk: Buffer) => void): void;
  onEnd(listener: (end: ExecEnd) => void): void;
}

export interface ExecOptions {
  /**
   * A WebSocket ping this often keeps idle sessions alive through the API server, proxies and
   * NAT that close quiet connections; two missed pongs (while reading) count as a broken stream.
   */
  keepaliveMs: number;
}

/** The exit code from a Failure status (`details.causes[{reason: ExitCode, message}]`). */
function exitCodeOf(status: { status?: string; details?: { causes?: { reason?: string; message?: string }[] } }) {
  if (status.status === 'Success') {
    return 0;
  }
  const cause = status.details?.causes?.find((candidate) => candidate.reason === 'ExitCode');
  return cause?.message === undefined ? null : Number(cause.message);
}

/**
 * Opens `pods/exec` over a WebSocket with the kubeconfig's credentials. Written against `ws`
 * directly rather than the client library's Exec so the socket can be paused (flow control) and
 * pinged (keep-alive), which its stream wrapper does not expose.
 */
export async function openExec(config: KubeConfig, target: ExecTarget, options: ExecOptions): Promise<ExecStream> {
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new Error('the kubeconfig names no current cluster');
  }
  const query = new URLSearchParams({ container: target.container, stdout: 'true' });
  if (target.tty) {
    query.set('stdin', 'true');
    query.set('tty', 'true');
  } else {
    query.set('stderr', 'true');
  }
  for (const argument of target.command) {
    query.append('command', argument);
  }
  const url = `${cluster.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec?${query}`;
  const socketOptions: ClientOptions = {};
  await config.applyToHTTPSOptions(socketOptions as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
  const socket = new WebSocket(url, PROTOCOLS, socketOptions);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        let message = body;
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? body;
        } catch {
          // not JSON: keep the text
        }
        reject(new Error(`exec into ${target.namespace}/${target.pod}: ${response.statusCode} ${message}`.trim()));
      });
    });
  });

  const dataListeners: ((chunk: Buffer) => void)[] = [];
  const endListeners: ((end: ExecEnd) => void)[] = [];
  let status: ExecEnd | null = null;
  let ended = false;
  let paused = false;
  let missedPongs = 0;

  function finish(end: ExecEnd): void {
    if (ended) {
      return;
    }
    ended = true;
    clearInterval(keepalive);
    for (const listener of endListeners) {
      listener(end);
    }
  }

  const keepalive = setInterval(() => {
    // A paused socket reads no pongs; only a reading socket may be judged by them.
    if (!paused && ++missedPongs > 2) {
      socket.terminate();
      return;
    }
    socket.ping();
  }, options.keepaliveMs);
  socket.on('pong', () => (missedPongs = 0));
  socket.on('message', (raw: Buffer, isBinary: boolean) => {
    missedPongs = 0;
    const frame = isBinary ? raw : Buffer.from(raw);
    if (frame.length < 1) {
      return;
    }
    const channel = frame[0];
    const payload = frame.subarray(1);
    if ((channel === STDOUT || channel === STDERR) && payload.length > 0) {
      for (const listener of dataListeners) {
        listener(payload);
      }
    } else if (channel === STATUS && payload.length > 0) {
      try {
        const parsed = JSON.parse(payload.toString('utf8')) as Parameters<typeof exitCodeOf>[0] & { message?: string };
        status = {
          exited: true,
          exitCode: exitCodeOf(parsed),
          reason: parsed.status === 'Success' ? null : (parsed.message ?? null),
        };
      } catch {
        status = { exited: true, exitCode: null, reason: 'unreadable exit status' };
      }
    }
  });
  socket.on('error', () => undefined);
  socket.on('close', (code, reason) => {
    finish(
      status ?? {
        exited: false,
        exitCode: null,
        reason: `connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`,
      },
    );
  });

  function send(channel: number, data: string | Buffer): void {
    if (socket.readyState !== WebSocket.OPEN) {
      return;
    }
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    socket.send(Buffer.concat([Buffer.of(channel), body]));
  }

  return {
    write: (data) => send(STDIN, data),
    resize: (columns, rows) => send(RESIZE, JSON.stringify({ Width: columns, Height: rows })),
    pause() {
      paused = true;
      socket.pause();
    },
    resume() {
      paused = false;
      missedPongs = 0;
      socket.resume();
    },
    close() {
      if (socket.protocol === 'v5.channel.k8s.io') {
        send(CLOSE, Buffer.of(STDIN));
      }
      socket.close();
      // A peer that never answers the close handshake must not keep the session.
      setTimeout(() => socket.terminate(), 2_000).unref();
    },
    onData: (listener) => void dataListeners.push(listener),
    onEnd(listener) {
      endListeners.push(listener);
    },
  };
}

/** Runs a command without a TTY and collects its output (kps, kill). */
export async function execCollect(
  config: KubeConfig,
  target: Omit<ExecTarget, 'tty'>,
  timeoutMs: number,
): Promise<{ stdout: string; exitCode: number | null; reason: string | null }> {
  const stream = await openExec(config, { ...target, tty: false }, { keepaliveMs: timeoutMs });
  const chunks: Buffer[] = [];
  stream.onData((chunk) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.close();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.onEnd((end) => {
      clearTimeout(timer);
      if (!end.exited) {
        reject(new Error(end.reason ?? 'connection closed'));
        return;
      }
      resolve({ stdout: Buffer.concat(chunks).toString('utf8'), exitCode: end.exitCode, reason: end.reason });
    });
  });
}
