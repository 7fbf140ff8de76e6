/**
 * Per-key latency of the `input` capability: from the contract call (a WebSocket client of a
 * real `kubedesk serve`) to the byte read by the app (keylog.py in an xterm on Xvfb, writing to
 * a FIFO this process reads), and in the same run the same for one `xdotool key` process per
 * key, the usual way to inject keys from a script.
 *
 * `npm run bench:keys`. Prints figures, then one line of JSON with milliseconds and the ratio.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import type { HostApi } from '../../src/contract/index.js';
import { createRpcClient, websocketTransport } from '../../src/rpc/index.js';
import { killAllTracked, startServe } from '../support/processes.js';
import { startXSession, waitFor } from '../support/xsession.js';

const run = promisify(execFile);
/** Keys measured per method: enough for a stable p99 of ours; xdotool is slow, so fewer. */
const KEYS = 400;
const XDOTOOL_KEYS = 150;
/** Unmeasured keys first: the first XTest event switches the server's source device. */
const WARMUP_KEYS = 20;
/** A key whose byte has not arrived after this is lost: the benchmark fails rather than hangs. */
const KEY_TIMEOUT_MS = 5_000;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function percentile(sorted: number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function summary(samples: number[]): { p50: number; p99: number; mean: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const round = (value: number) => Math.round(value * 1000) / 1000;

async function main(): Promise<void> {
  const session = await startXSession();
  const fifo = join(session.folder, 'keys.fifo');
  await run('mkfifo', [fifo]);
  // Opening a FIFO for reading waits for its writer: the app opens it when it starts.
  const bytes = createReadStream(fifo);
  let waiting: { expected: number; resolve: () => void; reject: (error: Error) => void } | undefined;
  bytes.on('data', (chunk: Buffer | string) => {
    for (const byte of Buffer.from(chunk)) {
      if (waiting && byte === waiting.expected) {
        const done = waiting;
        waiting = undefined;
        done.resolve();
      } else {
        console.error(`unexpected byte ${byte}`);
      }
    }
  });
  function nextByte(character: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${character}" never reached the app`)), KEY_TIMEOUT_MS);
      waiting = {
        expected: character.charCodeAt(0),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject,
      };
    });
  }

  const token = randomBytes(16).toString('hex');
  const host = await startServe({
    args: ['--listen', '127.0.0.1', '--token', token, '--display', session.display],
    env: { KUBECONFIG: '/nonexistent/kubeconfig' },
  });
  try {
    await session.keylogApp('KEYLOG-BENCH', fifo);
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, { headers: { Authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const client = createRpcClient<HostApi>();
    client.attach(websocketTransport(socket as unknown as Parameters<typeof websocketTransport>[0]));
    await waitFor('the input capability', async () => (await client.api.input.state()).ready, 15_000);

    async function measure(count: number, press: (character: string) => Promise<unknown>): Promise<number[]> {
      const samples: number[] = [];
      for (let index = 0; index < count; index++) {
        const character = LETTERS[index % LETTERS.length] ?? 'a';
        const arrived = nextByte(character);
        const started = performance.now();
        await Promise.all([press(character), arrived]);
        samples.push(performance.now() - started);
      }
      return samples;
    }

    const viaContract = (character: string) => client.api.input.key({ key: character });
    const viaXdotool = (character: string) =>
      run('xdotool', ['key', character], { env: { ...process.env, DISPLAY: session.display } });
    await measure(WARMUP_KEYS, viaContract);
    await measure(WARMUP_KEYS / 4, viaXdotool);
    await measure(WARMUP_KEYS, viaContract);
    const ours = summary(await measure(KEYS, viaContract));
    const theirs = summary(await measure(XDOTOOL_KEYS, viaXdotool));
    socket.terminate();

    console.log(`display ${session.display}, app: keylog.py in xterm, reading a FIFO`);
    console.log(
      `input.key over WebSocket: ${KEYS} keys, p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms, ` +
        `mean ${ours.mean.toFixed(2)} ms, max ${ours.max.toFixed(2)} ms`,
    );
    console.log(
      `xdotool key per key:      ${XDOTOOL_KEYS} keys, p50 ${theirs.p50.toFixed(2)} ms, p99 ${theirs.p99.toFixed(2)} ms, ` +
        `mean ${theirs.mean.toFixed(2)} ms, max ${theirs.max.toFixed(2)} ms`,
    );
    console.log(
      JSON.stringify({
        p50_ms: round(ours.p50),
        p99_ms: round(ours.p99),
        xdotool_p50_ms: round(theirs.p50),
        xdotool_p99_ms: round(theirs.p99),
        ratio_p50: round(theirs.p50 / ours.p50),
      }),
    );
  } finally {
    bytes.destroy();
    await host.kill();
    await session.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    killAllTracked();
    process.exit(1);
  },
);
