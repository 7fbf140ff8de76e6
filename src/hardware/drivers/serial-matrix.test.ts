/**
 * The serial matrix driver over a real pseudo-terminal pair (socat, a Debian package bin/setup
 * installs), with a matrix on the far end that speaks Kramer Protocol 3000 as its manuals give
 * it: `#VID 2>1` CR → `~01@VID 2>1 OK` CR LF, a bad input → `~01@VID 9>1 ERR003`, `#VID? 1` →
 * `~01@VID 2>1`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tty from 'node:tty';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubedeskError } from '../../contract/index.js';
import { SerialMatrixDriver, type SerialMatrixOptions } from './serial-matrix.js';

let directory: string;
let socat: ChildProcess | undefined;
const closers: (() => void)[] = [];
const killSocat = () => socat?.kill('SIGKILL');

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kubedesk-serial-'));
  // The pair: the driver opens `host`, the matrix sits on `device`.
  socat = spawn(
    'socat',
    ['pty,raw,echo=0,link=' + join(directory, 'host'), 'pty,raw,echo=0,link=' + join(directory, 'device')],
    {
      stdio: 'ignore',
    },
  );
  process.once('exit', killSocat);
  await expect.poll(() => existsSync(join(directory, 'host')) && existsSync(join(directory, 'device'))).toBe(true);
});
afterEach(async () => {
  for (const close of closers.splice(0)) {
    close();
  }
  if (socat && socat.exitCode === null) {
    const gone = new Promise((resolve) => socat!.once('exit', resolve));
    socat.kill('SIGTERM');
    await gone;
  }
  process.off('exit', killSocat);
  await rm(directory, { recursive: true, force: true });
});

/** A 4×4 matrix speaking Protocol 3000; `silent` answers nothing (switched off). */
function kramerMatrix(options: { silent?: boolean } = {}): { received: string[]; routes: Map<string, string> } {
  const fd = openSync(join(directory, 'device'), constants.O_RDWR | constants.O_NOCTTY);
  const stream = new tty.ReadStream(fd);
  const received: string[] = [];
  const routes = new Map([['1', '1']]);
  let buffer = '';
  stream.setEncoding('latin1');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\r')) >= 0) {
      const command = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      received.push(command);
      if (options.silent) {
        continue;
      }
      const route = /^#VID (\d+)>(\d+)$/.exec(command);
      const query = /^#VID\? (\d+)$/.exec(command);
      let reply: string;
      if (route) {
        const [, input, output] = route;
        const valid = Number(input) <= 4 && Number(output) >= 1 && Number(output) <= 4;
        if (valid) {
          routes.set(output!, input!);
        }
        reply = `~01@VID ${input}>${output} ${valid ? 'OK' : 'ERR003'}`;
      } else if (query) {
        reply = `~01@VID ${routes.get(query[1]!) ?? '0'}>${query[1]}`;
      } else {
        reply = '~01@ ERR001';
      }
      writeSync(fd, `${reply}\r\n`);
    }
  });
  closers.push(() => {
    stream.destroy();
    try {
      closeSync(fd);
    } catch {
      // closed with the stream
    }
  });
  return { received, routes };
}

function kramerDriver(extra: Partial<SerialMatrixOptions> = {}): SerialMatrixDriver {
  const driver = new SerialMatrixDriver({
    device: join(directory, 'host'),
    baud: 9600,
    output: '1',
    inputs: { 'pi-1': '1', 'pi-2': '2', 'pi-3': '3', 'pi-9': '9' },
    select: '#VID {input}>{output}\r',
    ok: '^~\\d+@VID \\d+>\\d+ OK$',
    error: 'ERR\\d+',
    query: '#VID? {output}\r',
    queryReply: '^~\\d+@VID (\\d+)>\\d+$',
    ...extra,
  });
  closers.unshift(() => driver.close());
  return driver;
}

async function failure(promise: Promise<unknown>): Promise<KubedeskError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KubedeskError);
  return error as KubedeskError;
}

describe('the serial matrix driver', () => {
  it('selects inputs with the filled-in template and reads the route back', async () => {
    const matrix = kramerMatrix();
    const driver = kramerDriver();
    await driver.select('pi-3');
    expect(matrix.routes.get('1')).toBe('3');
    expect(await driver.read()).toBe('pi-3');
    await driver.select('pi-2');
    expect(await driver.read()).toBe('pi-2');
    expect(matrix.received).toEqual(['#VID 3>1', '#VID? 1', '#VID 2>1', '#VID? 1']);
  });

  it("fails with the matrix's own error line, and keeps the route", async () => {
    const matrix = kramerMatrix();
    const driver = kramerDriver();
    const error = await failure(driver.select('pi-9'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(`serial matrix on ${join(directory, 'host')}: input pi-9 failed: ~01@VID 9>1 ERR003`);
    expect(matrix.routes.get('1')).toBe('1');
  });

  it('gives up on a matrix that does not answer', async () => {
    kramerMatrix({ silent: true });
    const driver = kramerDriver({ timeoutMs: 200 });
    const error = await failure(driver.select('pi-1'));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('no answer to input pi-1 within 200 ms');
  });

  it('says which port cannot be set up', async () => {
    const driver = new SerialMatrixDriver({
      device: join(directory, 'no-such-tty'),
      output: '1',
      inputs: { a: '1' },
      select: '#VID {input}>{output}\r',
      ok: 'OK',
    });
    const error = await failure(driver.select('a'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/cannot set up the port: .*no-such-tty/);
  });
});
