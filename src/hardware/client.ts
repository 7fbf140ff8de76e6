/**
 * The client of Hardware API v1 (docs/hardware-api.yaml): every reply is checked against the
 * schema before anything uses it, every request has a deadline, idempotent requests are retried
 * with backoff, and the state is followed through the event stream, reconnecting by itself.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import {
  hardwareErrorSchema,
  hardwareStateSchema,
  KubedeskError,
  type AudioCommand,
  type HardwareState,
} from '../contract/index.js';
import { describeIssues, parseFrame } from '../rpc/index.js';
import type { HardwareBackend, Watch, WatchHandlers } from './backend.js';
import { backoffDelay, interruptibleSleep } from './backoff.js';

/** A switch or relay answers in milliseconds; 3 s means it is gone or wedged. */
export const DEFAULT_TIMEOUT_MS = 3_000;
/** Retries after the first try, for requests that are safe to repeat. */
export const DEFAULT_RETRIES = 2;
export const RETRY_FIRST_DELAY_MS = 200;
export const RETRY_MAX_DELAY_MS = 2_000;
/** The event stream reconnects quickly at first (a controller reboot takes seconds), then every 10 s. */
export const RECONNECT_FIRST_DELAY_MS = 250;
export const RECONNECT_MAX_DELAY_MS = 10_000;
/** A state is a few hundred bytes; a reply bigger than this is not one. */
export const MAX_REPLY_BYTES = 64 * 1024;
/**
 * The API promises a comment at least every 15 s; two missed and a margin mean the stream is
 * dead even if TCP has not noticed (a controller that lost power mid-stream).
 */
export const EVENT_SILENCE_MS = 35_000;
/** How much of a garbage reply is quoted in the error. */
const QUOTE_CHARS = 60;

export interface HardwareClientOptions {
  /** Base URL of the controller, e.g. `http://10.0.0.20/`. */
  url: string;
  token: string;
  timeoutMs?: number;
  retries?: number;
  /** The event stream's silence limit; tests shorten it. */
  eventSilenceMs?: number;
}

type Method = 'GET' | 'PUT' | 'POST';

/** A failed attempt, with whether trying again could help and whether the controller got the request. */
class AttemptError extends KubedeskError {
  constructor(
    code: KubedeskError['code'],
    message: string,
    readonly transient: boolean,
    /** False only when the request certainly never reached the controller (connection refused). */
    readonly delivered: boolean,
  ) {
    super(code, message, 'HardwareError');
  }
}

const NOT_DELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS)}…` : flat);
}

function readLimited(response: IncomingMessage, where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) {
        response.destroy();
        reject(new AttemptError('bad-message', `${where}: the reply is over ${MAX_REPLY_BYTES} bytes`, false, true));
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', (error) =>
      reject(new AttemptError('unavailable', `${where}: the connection was cut (${error.message})`, true, true)),
    );
  });
}

/** Checks a reply against a schema; the error names the first wrong fields. */
export function checkReply<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let json: unknown;
  try {
    // The RPC decoder's parse: besides bad JSON it refuses __proto__, constructor and prototype
    // keys, which a schema's record would otherwise turn into a prototype and drop unseen.
    json = parseFrame(text, Number.POSITIVE_INFINITY);
  } catch (error) {
    if (error instanceof KubedeskError && error.code === 'forbidden-key') {
      throw new AttemptError(
        'bad-message',
        `${where}: the controller's reply is refused: ${error.message}`,
        false,
        true,
      );
    }
    throw new AttemptError(
      'bad-message',
      `${where}: the controller's reply is not JSON (${quote(text)}); is this a Kubedesk hardware controller?`,
      false,
      true,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new AttemptError(
      'bad-message',
      `${where}: the controller's reply is not Hardware API v1: ${describeIssues(parsed.error)}`,
      false,
      true,
    );
  }
  return parsed.data;
}

/** Turns an error answer (4xx/5xx) into a KubedeskError with the controller's own message. */
function errorAnswer(status: number, text: string, where: string): AttemptError {
  let detail = quote(text);
  const parsed = (() => {
    try {
      return hardwareErrorSchema.safeParse(JSON.parse(text));
    } catch {
      return undefined;
    }
  })();
  if (parsed?.success) {
    detail = parsed.data.error.message;
  }
  if (status === 401 || status === 403) {
    return new AttemptError(
      'unauthorized',
      `${where}: the controller refused the token (${status}: ${detail})`,
      false,
      true,
    );
  }
  if (status === 404) {
    return new AttemptError('not-found', `${where}: ${detail}`, false, true);
  }
  if (status >= 500) {
    return new AttemptError('unavailable', `${where}: the controller failed (${status}: ${detail})`, true, true);
  }
  return new AttemptError(
    'bad-arguments',
    `${where}: the controller refused the request (${status}: ${detail})`,
    false,
    true,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class HardwareClient implements HardwareBackend {
  readonly description: string;
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly silenceMs: number;

  constructor(private readonly options: HardwareClientOptions) {
    this.base = new URL(options.url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new KubedeskError('bad-arguments', `the hardware URL must be http or https, not ${this.base.protocol}`);
    }
    this.description = this.base.origin + '/';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.silenceMs = options.eventSilenceMs ?? EVENT_SILENCE_MS;
  }

  read(): Promise<HardwareState> {
    return this.call('GET', '/v1/state');
  }

  setHdmi(input: string): Promise<HardwareState> {
    return this.call('PUT', '/v1/hdmi', { active: input });
  }

  setAudio(command: AudioCommand): Promise<HardwareState> {
    return this.call('PUT', '/v1/audio', command);
  }

  setPower(port: string, on: boolean): Promise<HardwareState> {
    return this.call('PUT', `/v1/power/${encodeURIComponent(port)}`, { on });
  }

  cyclePower(port: string): Promise<HardwareState> {
    return this.call('POST', `/v1/power/${encodeURIComponent(port)}/cycle`);
  }

  private url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
  }

  /**
   * One request with retries. GET and PUT are idempotent by the API, so any transient failure is
   * retried. A cycle is retried only when the controller certainly never got it: a second cycle
   * after a lost answer would cut a Pi's power twice.
   */
  private async call(method: Method, path: string, body?: unknown): Promise<HardwareState> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(method, path, body);
      } catch (error) {
        const failure = error as AttemptError;
        const repeatable = method !== 'POST' || !failure.delivered;
        if (!(failure instanceof AttemptError) || !failure.transient || !repeatable || attempt >= this.retries) {
          throw failure instanceof AttemptError
            ? new KubedeskError(failure.code, failure.message, 'HardwareError')
            : failure;
        }
        await sleep(backoffDelay(attempt, RETRY_FIRST_DELAY_MS, RETRY_MAX_DELAY_MS));
      }
    }
  }

  private attempt(method: Method, path: string, body?: unknown): Promise<HardwareState> {
    const url = this.url(path);
    const where = `${method} ${url.pathname} of ${this.description}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HardwareState>((resolve, reject) => {
      const outgoing = send(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.options.token}`,
          Accept: 'application/json',
          ...(payload !== undefined
            ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
            : {}),
        },
      });
      // One deadline for the whole exchange, headers and body: a controller that trickles bytes is as stuck as a silent one.
      const timer = setTimeout(() => {
        outgoing.destroy(new AttemptError('timeout', `${where}: no answer within ${this.timeoutMs} ms`, true, true));
      }, this.timeoutMs);
      outgoing.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (error instanceof AttemptError) {
          reject(error);
          return;
        }
        const delivered = !NOT_DELIVERED.has(error.code ?? '');
        reject(new AttemptError('unavailable', `${where}: ${error.code ?? error.message}`, true, delivered));
      });
      outgoing.once('response', (response) => {
        readLimited(response, where)
          .then((text) => {
            const status = response.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              throw errorAnswer(status, text, where);
            }
            resolve(checkReply(hardwareStateSchema, text, where));
          })
          .catch(reject)
          .finally(() => clearTimeout(timer));
      });
      outgoing.end(payload);
    });
  }

  /** Follows `GET /v1/events`, reconnecting with backoff until disposed. */
  watch(handlers: WatchHandlers): Watch {
    let stopped = false;
    let current: { destroy(): void } | undefined;
    let pause: ReturnType<typeof interruptibleSleep> | undefined;

    const loop = async () => {
      let attempt = 0;
      while (!stopped) {
        let delivered = false;
        try {
          await this.followEvents(
            (state) => {
              delivered = true;
              handlers.onState(state);
            },
            (handle) => (current = handle),
          );
          if (!stopped) {
            handlers.onDown(
              new KubedeskError('unavailable', `the event stream of ${this.description} ended`, 'HardwareError'),
            );
          }
        } catch (error) {
          if (stopped) {
            return;
          }
          const failure = error as KubedeskError;
          handlers.onDown(new KubedeskError(failure.code ?? 'unavailable', failure.message, 'HardwareError'));
        }
        // A stream that worked for a while starts the backoff over.
        attempt = delivered ? 0 : attempt + 1;
        pause = interruptibleSleep(backoffDelay(attempt, RECONNECT_FIRST_DELAY_MS, RECONNECT_MAX_DELAY_MS));
        if (!(await pause.done)) {
          return;
        }
      }
    };
    void loop();
    return {
      retryNow: () => pause?.wake(),
      dispose() {
        stopped = true;
        pause?.cancel();
        current?.destroy();
      },
    };
  }

  /** One event stream, until it ends or fails; states are checked before they are passed on. */
  private followEvents(
    onState: (state: HardwareState) => void,
    onOpen: (handle: { destroy(): void }) => void,
  ): Promise<void> {
    const url = this.url('/v1/events');
    const where = `the event stream of ${this.description}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: AttemptError) => {
        if (!settled) {
          settled = true;
          reject(error);
        }
        outgoing.destroy();
      };
      const outgoing = send(url, {
        method: 'GET',
        headers: { Authorization: `Bearer ${this.options.token}`, Accept: 'text/event-stream' },
      });
      onOpen({ destroy: () => fail(new AttemptError('unavailable', `${where} was closed`, false, true)) });
      // Until the first state arrives the request's own deadline applies; then the silence limit.
      let silence = setTimeout(
        () => fail(new AttemptError('timeout', `${where}: no answer within ${this.timeoutMs} ms`, true, true)),
        this.timeoutMs,
      );
      const quiet = () => {
        clearTimeout(silence);
        silence = setTimeout(
          () => fail(new AttemptError('timeout', `${where} went silent for ${this.silenceMs} ms`, true, true)),
          this.silenceMs,
        );
      };
      outgoing.once('close', () => clearTimeout(silence));
      outgoing.once('error', (error: NodeJS.ErrnoException) => {
        fail(
          error instanceof AttemptError
            ? error
            : new AttemptError('unavailable', `${where}: ${error.code ?? error.message}`, true, true),
        );
      });
      outgoing.once('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          readLimited(response, where).then(
            (text) => fail(errorAnswer(status, text, where)),
            (error: AttemptError) => fail(error),
          );
          return;
        }
        if (!String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          fail(
            new AttemptError(
              'bad-message',
              `${where}: the answer is ${response.headers['content-type'] ?? 'untyped'}, not an event stream`,
              false,
              true,
            ),
          );
          return;
        }
        response.setEncoding('utf8');
        let buffer = '';
        let event = 'message';
        let data: string[] = [];
        let first = true;
        response.on('data', (chunk: string) => {
          buffer += chunk;
          if (buffer.length > MAX_REPLY_BYTES) {
            fail(new AttemptError('bad-message', `${where}: an event is over ${MAX_REPLY_BYTES} bytes`, false, true));
            return;
          }
          let newline: number;
          while (!settled && (newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).replace(/\r$/, '');
            buffer = buffer.slice(newline + 1);
            if (line === '') {
              if (event === 'state' && data.length > 0) {
                let state: HardwareState;
                try {
                  state = checkReply(hardwareStateSchema, data.join('\n'), where);
                } catch (error) {
                  fail(error as AttemptError);
                  return;
                }
                first = false;
                quiet();
                onState(state);
              }
              event = 'message';
              data = [];
            } else if (line.startsWith(':')) {
              if (!first) {
                quiet();
              }
            } else {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') {
                event = value;
              } else if (field === 'data') {
                data.push(value);
              }
            }
          }
        });
        response.once('end', () => {
          clearTimeout(silence);
          if (!settled) {
            settled = true;
            resolve();
          }
        });
        // Node says "aborted" when the peer vanished mid-stream; a person needs more than that.
        response.once('error', (error) =>
          fail(new AttemptError('unavailable', `${where}: the connection was cut (${error.message})`, true, true)),
        );
      });
      outgoing.end();
    });
  }
}
