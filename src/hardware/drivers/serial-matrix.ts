/**
 * An HDMI matrix switch with an RS-232 port, driven by command templates, since every maker
 * speaks its own dialect. For a Kramer matrix (Protocol 3000):
 *
 *   select: "#VID {input}>{output}\r"       reply: "~01@VID 2>1 OK\r\n"
 *   query:  "#VID? {output}\r"              reply: "~01@VID 2>1\r\n"
 *
 * `{input}` and `{output}` are the matrix's own numbers. Replies are read line by line and
 * matched with the configured patterns; a line matching `error` fails the command with that
 * line. The port is set up with `stty` (coreutils; an argument array) and then read and written
 * as a terminal, so no native module is needed.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import tty from 'node:tty';
import { promisify } from 'node:util';
import { KubedeskError } from '../../contract/index.js';
import type { SwitchDriver } from './types.js';

const run = promisify(execFile);

/** A matrix answers within tens of milliseconds at 9600 baud; 2 s means it is off or unplugged. */
export const SERIAL_TIMEOUT_MS = 2_000;
/** A reply line longer than this is noise on the line, not a reply. */
const MAX_LINE_CHARS = 512;
const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

export interface SerialMatrixOptions {
  /** e.g. /dev/ttyUSB0. */
  device: string;
  baud?: number;
  /** Kubedesk input name → the matrix's input number. */
  inputs: Record<string, string>;
  /** The matrix output the screen is on. */
  output: string;
  /** Sent to select an input. */
  select: string;
  /** A reply line that means the selection was done. */
  ok: string;
  /** A reply line that means it failed. */
  error?: string;
  /** Sent to ask which input the output shows; without it the last selection is reported. */
  query?: string;
  /** The reply to `query`; its first group is the matrix's input number. */
  queryReply?: string;
  timeoutMs?: number;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(input|output)\}/g, (_, name: string) => values[name] ?? '');
}

/** One open port: lines in, text out, one exchange at a time. */
class Port {
  private stream: tty.ReadStream;
  private buffer = '';
  private waiters: ((line: string) => void)[] = [];
  private lines: string[] = [];

  constructor(private readonly fd: number) {
    this.stream = new tty.ReadStream(fd);
    this.stream.setEncoding('latin1');
    this.stream.on('data', (chunk: string) => this.receive(chunk));
    // A port that goes away (a USB adapter pulled) ends the stream; the next command reopens.
    this.stream.on('error', () => undefined);
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.search(/[\r\n]/)) >= 0) {
      const line = this.buffer.slice(0, end).trim();
      this.buffer = this.buffer.slice(end + 1);
      if (line !== '') {
        const waiter = this.waiters.shift();
        if (waiter) {
          waiter(line);
        } else {
          this.lines.push(line);
        }
      }
    }
    if (this.buffer.length > MAX_LINE_CHARS) {
      this.buffer = '';
    }
  }

  write(text: string): void {
    // Lines the matrix sent on its own (a front-panel change) are not answers to this command.
    this.lines = [];
    writeSync(this.fd, Buffer.from(text, 'latin1'));
  }

  nextLine(timeoutMs: number): Promise<string | undefined> {
    const ready = this.lines.shift();
    if (ready !== undefined) {
      return Promise.resolve(ready);
    }
    return new Promise((resolve) => {
      const waiter = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.stream.destroy();
    try {
      closeSync(this.fd);
    } catch {
      // already closed with the stream
    }
  }
}

export class SerialMatrixDriver implements SwitchDriver {
  readonly description: string;
  readonly inputs: string[];
  private port: Port | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private last: string | null = null;
  private readonly ok: RegExp;
  private readonly error: RegExp | undefined;
  private readonly queryReply: RegExp | undefined;

  constructor(private readonly options: SerialMatrixOptions) {
    this.description = `serial matrix on ${options.device}`;
    this.inputs = Object.keys(options.inputs);
    if (options.baud !== undefined && !BAUD_RATES.includes(options.baud)) {
      throw new KubedeskError('bad-arguments', `baud must be one of ${BAUD_RATES.join(', ')}, not ${options.baud}`);
    }
    this.ok = new RegExp(options.ok);
    this.error = options.error === undefined ? undefined : new RegExp(options.error);
    this.queryReply = options.queryReply === undefined ? undefined : new RegExp(options.queryReply);
  }

  private async open(): Promise<Port> {
    if (this.port) {
      return this.port;
    }
    try {
      await run('stty', ['-F', this.options.device, String(this.options.baud ?? 9600), 'raw', '-echo'], {
        timeout: SERIAL_TIMEOUT_MS,
      });
    } catch (error) {
      const detail = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
      throw new KubedeskError('unavailable', `${this.description}: cannot set up the port: ${detail}`, 'SerialError');
    }
    this.port = new Port(openSync(this.options.device, constants.O_RDWR | constants.O_NOCTTY));
    return this.port;
  }

  /** Sends a command and waits for a line that matches `expect` or the error pattern. */
  private exchange(text: string, expect: RegExp, what: string): Promise<RegExpExecArray> {
    const job = async () => {
      const port = await this.open();
      const timeoutMs = this.options.timeoutMs ?? SERIAL_TIMEOUT_MS;
      const deadline = Date.now() + timeoutMs;
      port.write(text);
      for (;;) {
        const line = await port.nextLine(Math.max(0, deadline - Date.now()));
        if (line === undefined) {
          throw new KubedeskError(
            'timeout',
            `${this.description}: no answer to ${what} within ${timeoutMs} ms`,
            'SerialError',
          );
        }
        if (this.error?.test(line)) {
          throw new KubedeskError('unavailable', `${this.description}: ${what} failed: ${line}`, 'SerialError');
        }
        const match = expect.exec(line);
        if (match) {
          return match;
        }
        // Anything else (an echo, a status line) is skipped until the deadline.
      }
    };
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async select(input: string): Promise<void> {
    const number = Object.hasOwn(this.options.inputs, input) ? this.options.inputs[input] : undefined;
    if (number === undefined) {
      throw new KubedeskError('not-found', `no input "${input}"; inputs are ${this.inputs.join(', ')}`, 'SerialError');
    }
    await this.exchange(
      fill(this.options.select, { input: number, output: this.options.output }),
      this.ok,
      `input ${input}`,
    );
    this.last = input;
  }

  async read(): Promise<string | null> {
    if (this.options.query === undefined || this.queryReply === undefined) {
      return this.last;
    }
    const match = await this.exchange(
      fill(this.options.query, { output: this.options.output }),
      this.queryReply,
      'the query',
    );
    const number = match[1];
    const input = Object.entries(this.options.inputs).find(([, value]) => value === number)?.[0];
    return input ?? null;
  }

  close(): void {
    this.port?.close();
    this.port = undefined;
  }
}
