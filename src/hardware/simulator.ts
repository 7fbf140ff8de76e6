/**
 * `kubedesk hardware-sim`: Hardware API v1 (docs/hardware-api.yaml) over node:http, with the
 * state kept in a JSON file. It is the embedded default when there is no real controller, and
 * the test double of the client: tests can make it slow or make it answer garbage.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import {
  audioCommandSchema,
  hardwareNameSchema,
  hdmiCommandSchema,
  powerCommandSchema,
  type HardwareState,
} from '../contract/index.js';
import { describeIssues } from '../rpc/index.js';
import { StateFile } from './state-file.js';

/** Commands are a few dozen bytes; anything much bigger is not a command. */
export const MAX_BODY_BYTES = 4 * 1024;
/** A comment line this often keeps proxies from closing the stream and lets clients spot a dead one. */
export const EVENT_PING_MS = 15_000;
/** How long a port stays off during a cycle: long enough for a Pi's capacitors to drain. */
export const DEFAULT_CYCLE_MS = 2_000;
/** Clients that may hold an event stream at once; a reconnect loop gone wrong must not exhaust sockets. */
export const MAX_EVENT_CLIENTS = 64;
export const DEFAULT_INPUTS = ['1', '2', '3', '4'];
export const DEFAULT_VOLUME = 40;

/**
 * Misbehaviour for tests: `text` answers every request with text that is not JSON, `schema`
 * with JSON that is not a state, `none` behaves.
 */
export type Garbage = 'none' | 'text' | 'schema';

export interface SimulatorBehaviour {
  /** Every answer (and the first event) waits this long. */
  delayMs: number;
  garbage: Garbage;
  /** Answers this many of the next requests with 503 `busy`, as a controller rebooting would. */
  failNext: number;
}

export interface SimulatorOptions {
  stateFile: string;
  /** Every request must carry `Authorization: Bearer <token>`. */
  token: string;
  /** HDMI (and audio) inputs, by default 1 to 4; a saved state keeps its values where names match. */
  inputs?: string[];
  /** Power ports, by default the inputs' names (one Pi per input and port). */
  ports?: string[];
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  cycleMs?: number;
  firmware?: string;
  behaviour?: Partial<SimulatorBehaviour>;
  log?: (line: string) => void;
}

export interface HardwareSimulator {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  token: string;
  state(): HardwareState;
  /** Changes the misbehaviour while running. */
  setBehaviour(behaviour: Partial<SimulatorBehaviour>): void;
  /** Requests answered so far, by `METHOD /path`, for tests of retries and idempotence. */
  requests(): Map<string, number>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function checkNames(names: string[], what: string): string[] {
  if (names.length === 0) {
    throw new Error(`give at least one ${what}`);
  }
  for (const name of names) {
    if (!hardwareNameSchema.safeParse(name).success) {
      throw new Error(`${what} "${name}" is not a valid name (1 to 32 of A-Z a-z 0-9 . _ -)`);
    }
  }
  if (new Set(names).size !== names.length) {
    throw new Error(`${what}s are not unique: ${names.join(', ')}`);
  }
  return [...names];
}

/** The state to start from: the saved one fitted to the configured inputs and ports. */
export function initialState(
  saved: HardwareState | undefined,
  inputs: string[],
  ports: string[],
  firmware: string,
): HardwareState {
  const pick = (value: string | null | undefined) =>
    value !== null && value !== undefined && inputs.includes(value) ? value : inputs[0]!;
  return {
    hdmi: { active: pick(saved?.hdmi.active), inputs: [...inputs] },
    audio: {
      active: pick(saved?.audio.active),
      volume: saved?.audio.volume ?? DEFAULT_VOLUME,
      muted: saved?.audio.muted ?? false,
    },
    // A simulated desk starts with every Pi on, like a real one after a power cut.
    power: Object.fromEntries(ports.map((port) => [port, saved?.power[port] ?? true])),
    firmware,
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  // Hashes have equal length, so the comparison takes the same time whatever was sent.
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, 'too-large', `the body is over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad-request', 'the body is not JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(400, 'bad-request', describeIssues(parsed.error, 'body'));
  }
  return parsed.data;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Starts the simulator; resolves once it listens. */
export async function startHardwareSimulator(options: SimulatorOptions): Promise<HardwareSimulator> {
  if (options.token.length === 0) {
    throw new Error('the simulator needs a token');
  }
  const inputs = checkNames(options.inputs ?? DEFAULT_INPUTS, 'input');
  const ports = checkNames(options.ports ?? inputs, 'port');
  const cycleMs = options.cycleMs ?? DEFAULT_CYCLE_MS;
  const log = options.log ?? (() => undefined);
  const file = new StateFile(options.stateFile);
  let state = initialState(await file.load(), inputs, ports, options.firmware ?? 'kubedesk-hardware-sim');
  await file.save(state);
  const expectedToken = digest(options.token);
  const behaviour: SimulatorBehaviour = { delayMs: 0, garbage: 'none', failNext: 0, ...options.behaviour };
  const streams = new Set<ServerResponse>();
  const counts = new Map<string, number>();

  function eventText(): string {
    return `event: state\ndata: ${JSON.stringify(state)}\n\n`;
  }

  /** Applies a change; writes and announces it only when something changed (idempotence). */
  async function change(next: HardwareState): Promise<void> {
    if (JSON.stringify(next) === JSON.stringify(state)) {
      return;
    }
    state = next;
    await file.save(state);
    const text = eventText();
    for (const stream of streams) {
      stream.write(text);
    }
  }

  function needInput(name: string): void {
    if (!state.hdmi.inputs.includes(name)) {
      throw new HttpError(404, 'not-found', `no input "${name}"; inputs are ${state.hdmi.inputs.join(', ')}`);
    }
  }

  function needPort(name: string): void {
    if (!Object.hasOwn(state.power, name)) {
      throw new HttpError(
        404,
        'not-found',
        `no power port "${name}"; ports are ${Object.keys(state.power).join(', ')}`,
      );
    }
  }

  function sendJson(response: ServerResponse, status: number, body: unknown): void {
    let text: string;
    if (behaviour.garbage === 'text') {
      text = '<html><body>Welcome to nginx!</body></html>';
    } else if (behaviour.garbage === 'schema' && status < 300) {
      text = JSON.stringify({ hdmi: { active: 7, inputs: 'all' }, audio: {}, power: [], firmware: null });
    } else {
      text = JSON.stringify(body);
    }
    response.writeHead(status, {
      'Content-Type': behaviour.garbage === 'text' ? 'text/html' : 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    response.end(text);
  }

  function openEvents(request: IncomingMessage, response: ServerResponse): void {
    if (streams.size >= MAX_EVENT_CLIENTS) {
      throw new HttpError(503, 'busy', `already ${MAX_EVENT_CLIENTS} event streams open`);
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write(behaviour.garbage === 'none' ? eventText() : 'event: state\ndata: {"not": "a state"}\n\n');
    streams.add(response);
    const ping = setInterval(() => response.write(': ping\n\n'), EVENT_PING_MS);
    const close = () => {
      clearInterval(ping);
      streams.delete(response);
    };
    request.once('close', close);
    response.once('close', close);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const method = request.method ?? 'GET';
    const key = `${method} ${url.pathname}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!tokenMatches(request.headers.authorization, expectedToken)) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="kubedesk-hardware"');
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
    }
    await sleep(behaviour.delayMs);
    if (behaviour.failNext > 0) {
      behaviour.failNext--;
      throw new HttpError(503, 'busy', 'the controller is busy');
    }
    const segments = url.pathname
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent);
    const [version, resource, port, action] = segments;
    const allow = (expected: string) => {
      if (method !== expected) {
        response.setHeader('Allow', expected);
        throw new HttpError(405, 'method-not-allowed', `${url.pathname} takes ${expected}, not ${method}`);
      }
    };
    if (version !== 'v1') {
      throw new HttpError(404, 'not-found', `no ${url.pathname}; the API is under /v1/`);
    }
    if (resource === 'state' && segments.length === 2) {
      allow('GET');
      return sendJson(response, 200, state);
    }
    if (resource === 'events' && segments.length === 2) {
      allow('GET');
      return openEvents(request, response);
    }
    if (resource === 'hdmi' && segments.length === 2) {
      allow('PUT');
      const command = parse(hdmiCommandSchema, await readBody(request));
      needInput(command.active);
      await change({ ...state, hdmi: { ...state.hdmi, active: command.active } });
      return sendJson(response, 200, state);
    }
    if (resource === 'audio' && segments.length === 2) {
      allow('PUT');
      const command = parse(audioCommandSchema, await readBody(request));
      if (command.active !== undefined) {
        needInput(command.active);
      }
      await change({ ...state, audio: { ...state.audio, ...command } });
      return sendJson(response, 200, state);
    }
    if (resource === 'power' && port !== undefined && segments.length === 3) {
      allow('PUT');
      const command = parse(powerCommandSchema, await readBody(request));
      needPort(port);
      await change({ ...state, power: { ...state.power, [port]: command.on } });
      return sendJson(response, 200, state);
    }
    if (resource === 'power' && port !== undefined && action === 'cycle' && segments.length === 4) {
      allow('POST');
      needPort(port);
      await change({ ...state, power: { ...state.power, [port]: false } });
      await sleep(cycleMs);
      await change({ ...state, power: { ...state.power, [port]: true } });
      return sendJson(response, 200, state);
    }
    throw new HttpError(404, 'not-found', `no ${url.pathname}`);
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      const failure =
        error instanceof HttpError ? error : new HttpError(500, 'internal', (error as Error).message ?? String(error));
      if (failure.status === 500) {
        log(`hardware-sim: ${request.method} ${request.url}: ${failure.message}`);
      }
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendJson(response, failure.status, { error: { code: failure.code, message: failure.message } });
    });
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;
  log(`hardware-sim: ${inputs.length} inputs, ${ports.length} power ports, state in ${options.stateFile}`);

  return {
    url,
    port: address.port,
    token: options.token,
    state: () => structuredClone(state),
    setBehaviour(next) {
      Object.assign(behaviour, next);
    },
    requests: () => new Map(counts),
    async close() {
      for (const stream of streams) {
        stream.destroy();
      }
      streams.clear();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
