/**
 * Property-based fuzzing of the four places where outside input enters Kubedesk: the RPC decoder
 * (frames from a peer), the catalog parser (DesktopApp objects anyone with kubectl can write), the
 * hardware client (replies of a controller on the LAN) and the pairing endpoint (HTTP from any
 * phone). Each target runs real parts: a real host behind `serveRpc`, a real HTTP server the
 * client talks to, a real web host. A target counts every generated input and every failure
 * (a crash, a hang, an unclear or missing answer) instead of stopping at the first, so the
 * reliability run can print both figures; `fast-check` makes the inputs and replays a seed.
 *
 * Used by test/fuzz/fuzz.test.ts (a few thousand inputs each, in `npm test`) and by
 * test/fuzz/reliability.ts (100,000 each, `npm run test:reliability`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { catalogFrom, parseDesktopApp } from '../../src/apps/catalog.js';
import {
  desktopAppSpecSchema,
  errorCodes,
  hardwareStateSchema,
  hostSpec,
  KubedeskError,
} from '../../src/contract/index.js';
import { HardwareClient } from '../../src/hardware/index.js';
import { createHost, startWebHost } from '../../src/host/index.js';
import { PairingAuthority } from '../../src/input/index.js';
import { FAILURE_WINDOW_MS } from '../../src/input/pairing.js';
import { createLoopbackPair, parseFrame, serveRpc } from '../../src/rpc/index.js';
import { requestMessage, resultMessage } from '../../src/rpc/messages.js';

export interface FuzzFigures {
  target: string;
  inputs: number;
  failures: number;
  /** The first few failures, each with the input that caused it. */
  examples: string[];
  milliseconds: number;
}

export interface FuzzOptions {
  runs: number;
  seed?: number;
}

/** A reply that has not come by then is a hang: every answer here is local and should take milliseconds. */
const ANSWER_TIMEOUT_MS = 5_000;
const MAX_EXAMPLES = 5;
const KNOWN_CODES = new Set<string>(errorCodes);

/** Counts inputs and failures for one target; a failure keeps the input that caused it. */
class Tally {
  inputs = 0;
  failures = 0;
  readonly examples: string[] = [];
  private readonly started = performance.now();

  constructor(readonly target: string) {}

  fail(reason: string, input: unknown): void {
    this.failures++;
    if (this.examples.length < MAX_EXAMPLES) {
      const shown = typeof input === 'string' ? input : JSON.stringify(input);
      this.examples.push(`${reason} — input: ${shown.length > 300 ? `${shown.slice(0, 300)}…` : shown}`);
    }
  }

  figures(): FuzzFigures {
    return {
      target: this.target,
      inputs: this.inputs,
      failures: this.failures,
      examples: this.examples,
      milliseconds: Math.round(performance.now() - this.started),
    };
  }
}

/** A clear error: a known code and a message a person can act on. */
function unclearError(error: { code?: unknown; message?: unknown } | undefined): string | undefined {
  if (!error || typeof error.code !== 'string' || !KNOWN_CODES.has(error.code)) {
    return `error code ${JSON.stringify(error?.code)} is not one of the contract's codes`;
  }
  if (typeof error.message !== 'string' || error.message.trim().length < 5) {
    return `error message ${JSON.stringify(error.message)} says nothing`;
  }
  if (error.code === 'internal') {
    return `answered "internal" (${error.message}): bad input must be refused by a check, not by a crash`;
  }
  return undefined;
}

/** Resolves with the promise's value, or `timeout` when it takes longer than the limit. */
async function within<T>(promise: Promise<T>, ms = ANSWER_TIMEOUT_MS): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Rejections nobody handled while a target ran: each is a failure of that target. */
function watchUnhandledRejections(tally: Tally): () => void {
  const listener = (reason: unknown) => tally.fail(`unhandled rejection: ${String(reason)}`, '(asynchronous)');
  process.on('unhandledRejection', listener);
  return () => process.off('unhandledRejection', listener);
}

// ---------------------------------------------------------------------------------------------
// RPC decoder

const capabilityNames = Object.keys(hostSpec);
const memberNames = [
  ...new Set(
    Object.values(hostSpec).flatMap((capability) => [
      ...Object.keys((capability as { methods: object }).methods),
      ...Object.keys((capability as { events: object }).events),
    ]),
  ),
];

/** Frames from a peer: noise, any JSON, near-misses of real messages, and real messages with bad arguments. */
function rpcFrames(): fc.Arbitrary<string> {
  const id = fc.oneof(
    fc.nat(),
    fc.integer(),
    fc.double(),
    fc.constant(Number.MAX_SAFE_INTEGER + 2),
    fc.string(),
    fc.constant(null),
  );
  const name = fc.oneof(fc.constantFrom(...capabilityNames), fc.string({ maxLength: 70 }));
  const member = fc.oneof(fc.constantFrom(...memberNames), fc.string({ maxLength: 70 }));
  const args = fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.constant(0), { minLength: 17, maxLength: 20 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
  const message = fc.record(
    {
      type: fc.oneof(fc.constantFrom('call', 'listen', 'unlisten', 'result', 'event'), fc.string()),
      id,
      capability: name,
      method: member,
      event: member,
      args,
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: ['type'] },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    { weight: 6, arbitrary: message.map((value) => JSON.stringify(value)) },
    {
      weight: 1,
      // Prototype keys at any depth, and frames cut short.
      arbitrary: fc
        .tuple(message, fc.constantFrom('__proto__', 'constructor', 'prototype'))
        .map(([value, key]) => JSON.stringify(value).replace(/^\{/, `{"${key}":{"polluted":true},`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(message, fc.nat())
        .map(([value, cut]) => JSON.stringify(value).slice(0, cut % (JSON.stringify(value).length + 1))),
    },
  );
}

/** Whether a frame is a valid `unlisten`, the one request that gets no answer. */
function isUnlisten(frame: string): boolean {
  try {
    const parsed = requestMessage.safeParse(JSON.parse(frame));
    return parsed.success && parsed.data.type === 'unlisten';
  } catch {
    return false;
  }
}

/**
 * Frames to `serveRpc` in front of a real host (no cluster reachable, no X display), over the
 * loopback transport that JSON-round-trips every message. Each call or listen frame must get
 * exactly one well-formed `result`; a refusal carries a contract error code and a message.
 */
export async function fuzzRpcDecoder(options: FuzzOptions): Promise<FuzzFigures> {
  const tally = new Tally('RPC decoder');
  const stopWatching = watchUnhandledRejections(tally);
  const host = await createHost({ host: 'web', display: null, kubeconfig: { path: '/nonexistent' }, log: () => {} });
  const pair = createLoopbackPair();
  const internal: string[] = [];
  serveRpc(host.api, hostSpec, pair.host, { onInternalError: (error, where) => internal.push(`${where}: ${error}`) });
  let waiting: ((reply: string) => void) | undefined;
  const subscription = pair.peer.onMessage((reply) => {
    if (reply.startsWith('{"type":"event"')) {
      return;
    }
    waiting?.(reply);
  });
  try {
    await fc.assert(
      fc.asyncProperty(rpcFrames(), async (frame) => {
        tally.inputs++;
        internal.length = 0;
        if (isUnlisten(frame)) {
          pair.peer.send(frame);
          return;
        }
        const answered = new Promise<string>((resolve) => {
          waiting = resolve;
        });
        pair.peer.send(frame);
        const reply = await within(answered);
        waiting = undefined;
        if (reply === 'timeout') {
          tally.fail(`no answer within ${ANSWER_TIMEOUT_MS} ms`, frame);
          return;
        }
        const parsed = resultMessage.safeParse(JSON.parse(reply));
        if (!parsed.success) {
          tally.fail(`the answer is not a result message: ${reply.slice(0, 200)}`, frame);
          return;
        }
        const result = parsed.data;
        if (result.ok) {
          // A listen that succeeded: let go of it, as a peer would.
          const sent = JSON.parse(frame) as { type?: string; id?: number };
          if (sent.type === 'listen' && typeof sent.id === 'number') {
            pair.peer.send(JSON.stringify({ type: 'unlisten', id: sent.id }));
          }
          return;
        }
        const unclear = unclearError(result.error);
        if (unclear) {
          tally.fail(unclear, frame);
        } else if (internal.length > 0) {
          tally.fail(`the host reported an internal error: ${internal.join('; ')}`, frame);
        }
      }),
      { numRuns: options.runs, seed: options.seed },
    );
  } finally {
    subscription.dispose();
    pair.close();
    await host.dispose();
    stopWatching();
  }
  return tally.figures();
}

// ---------------------------------------------------------------------------------------------
// Catalog parser

const validSpec = fc.record(
  {
    displayName: fc.string({ minLength: 1, maxLength: 80 }),
    icon: fc.constantFrom('firefox', 'utilities-terminal', 'data:image/png;base64,iVBORw0KGgo='),
    categories: fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 10 }),
    image: fc.string({ minLength: 1, maxLength: 255 }),
    command: fc.array(fc.string({ maxLength: 100 }), { minLength: 1, maxLength: 8 }),
    env: fc.array(
      fc.record({ name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), value: fc.string({ maxLength: 50 }) }),
      { maxLength: 4 },
    ),
    resources: fc.record({
      requests: fc.record({ cpu: fc.constantFrom('100m', '1', '0.5'), memory: fc.constantFrom('64Mi', '1Gi') }),
    }),
    nodeSelector: fc.dictionary(
      fc.constantFrom('kubernetes.io/arch', 'kubedesk.io/hdmi', 'disk'),
      fc.string({ maxLength: 63 }),
    ),
    displayMode: fc.constantFrom('xpra', 'x11'),
    audio: fc.boolean(),
    persistentHome: fc.boolean(),
    warmPoolSize: fc.integer({ min: 0, max: 8 }),
    idleTimeoutMinutes: fc.integer({ min: 0, max: 7 * 24 * 60 }),
  },
  { requiredKeys: ['displayName', 'image', 'command'] },
);

/** DesktopApp specs: valid ones, valid ones with one field replaced by anything, and anything at all. */
function desktopAppSpecs(): fc.Arbitrary<unknown> {
  const fieldNames = Object.keys(desktopAppSpecSchema.shape);
  const mutated = fc
    .tuple(validSpec, fc.constantFrom(...fieldNames, 'unknownField'), fc.jsonValue({ maxDepth: 3 }))
    .map(([spec, field, value]) => ({ ...spec, [field]: value }));
  return fc.oneof(
    { weight: 2, arbitrary: validSpec },
    { weight: 4, arbitrary: mutated },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/**
 * DesktopApp objects through `parseDesktopApp` and `catalogFrom`: a good spec becomes an app of
 * plain JSON, a bad one a problem whose message names the field; never an exception.
 */
export function fuzzCatalogParser(options: FuzzOptions): Promise<FuzzFigures> {
  const tally = new Tally('catalog parser');
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 63 }), desktopAppSpecs(), (name, spec) => {
      tally.inputs++;
      const object = { apiVersion: 'kubedesk.io/v1alpha1', kind: 'DesktopApp', metadata: { name }, spec };
      try {
        const entry = parseDesktopApp(object);
        const expectedValid = desktopAppSpecSchema.safeParse(spec).success;
        if (entry.ok !== expectedValid) {
          tally.fail(`parsed as ${entry.ok ? 'an app' : 'a problem'} against the schema`, object);
          return;
        }
        if (entry.ok) {
          const app = entry.app;
          if (app.id !== name || JSON.stringify(JSON.parse(JSON.stringify(app))) !== JSON.stringify(app)) {
            tally.fail('the app is not plain JSON named after the object', object);
          }
        } else if (entry.problem.id !== name || !/^left out: spec[.:]/.test(entry.problem.message)) {
          tally.fail(`the problem does not name a field: ${entry.problem.message}`, object);
        }
        catalogFrom([entry]);
      } catch (error) {
        tally.fail(`threw ${String(error)}`, object);
      }
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  return Promise.resolve(tally.figures());
}

// ---------------------------------------------------------------------------------------------
// Hardware client

interface GeneratedReply {
  status: number;
  contentType: string;
  body: string;
  /** Cut the connection after the headers, as a controller losing power would. */
  cut: boolean;
}

const NO_BODY_STATUSES = new Set([204, 304]);

const hardwareName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/);
const validState = fc.record({
  hdmi: fc.record({ active: fc.option(hardwareName), inputs: fc.array(hardwareName, { maxLength: 8 }) }),
  audio: fc.record({ active: fc.option(hardwareName), volume: fc.integer({ min: 0, max: 100 }), muted: fc.boolean() }),
  power: fc.dictionary(hardwareName, fc.boolean(), { maxKeys: 8 }),
  firmware: fc.string({ maxLength: 40 }),
});

/** Replies of a controller: right ones, near misses, errors of the API, other servers' pages, garbage, huge. */
function hardwareReplies(): fc.Arbitrary<GeneratedReply> {
  const mutatedState = fc
    .tuple(validState, fc.constantFrom('hdmi', 'audio', 'power', 'firmware', 'extra'), fc.jsonValue({ maxDepth: 3 }))
    .map(([state, field, value]) => JSON.stringify({ ...state, [field]: value }));
  const body = fc.oneof(
    { weight: 3, arbitrary: validState.map((state) => JSON.stringify(state)) },
    { weight: 4, arbitrary: mutatedState },
    {
      weight: 2,
      arbitrary: fc
        .record({ code: fc.string({ maxLength: 20 }), message: fc.string({ maxLength: 100 }) })
        .map((error) => JSON.stringify({ error })),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constant('<html><body>Router login</body></html>') },
    { weight: 1, arbitrary: fc.integer({ min: 64 * 1024 - 10, max: 80 * 1024 }).map((size) => 'x'.repeat(size)) },
  );
  return fc.record({
    status: fc.oneof(
      { weight: 6, arbitrary: fc.constant(200) },
      { weight: 3, arbitrary: fc.constantFrom(201, 202, 301, 400, 401, 403, 404, 409, 422, 500, 502, 503) },
      { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
    ),
    contentType: fc.constantFrom('application/json', 'text/html', 'text/plain'),
    body,
    cut: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });
}

/**
 * `HardwareClient.read()` against a local HTTP server answering with generated replies: a valid
 * state resolves to exactly that state; anything else rejects with a KubedeskError whose message
 * says what was wrong; nothing hangs past the client's own deadline.
 */
export async function fuzzHardwareClient(options: FuzzOptions): Promise<FuzzFigures> {
  const tally = new Tally('hardware client');
  const stopWatching = watchUnhandledRejections(tally);
  let next: GeneratedReply = { status: 200, contentType: 'application/json', body: '{}', cut: false };
  const server = createServer((incoming, response) => {
    incoming.resume();
    const reply = next;
    if (reply.cut) {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      response.write(reply.body.slice(0, 10));
      response.socket?.destroy();
      return;
    }
    response.writeHead(reply.status, { 'Content-Type': reply.contentType });
    response.end(reply.body);
  });
  await listen(server);
  const port = (server.address() as AddressInfo).port;
  // No retries: a retry would only ask the same generated reply again.
  const client = new HardwareClient({ url: `http://127.0.0.1:${port}/`, token: 'fuzz', retries: 0, timeoutMs: 3_000 });
  try {
    await fc.assert(
      fc.asyncProperty(hardwareReplies(), async (reply) => {
        tally.inputs++;
        next = reply;
        const outcome = await within(
          client.read().then(
            (state) => ({ state }),
            (error: unknown) => ({ error }),
          ),
        );
        if (outcome === 'timeout') {
          tally.fail(`no answer within ${ANSWER_TIMEOUT_MS} ms`, reply);
          return;
        }
        const bodyIsState =
          !reply.cut &&
          reply.status >= 200 &&
          reply.status < 300 &&
          // HTTP carries no body with these: the client sees an empty reply.
          !NO_BODY_STATUSES.has(reply.status) &&
          (() => {
            try {
              // parseFrame, like the client: a reply with __proto__ keys is no state, whatever a
              // schema's record would make of it.
              return hardwareStateSchema.safeParse(parseFrame(reply.body, Number.POSITIVE_INFINITY)).success;
            } catch {
              return false;
            }
          })();
        if ('state' in outcome) {
          if (!bodyIsState) {
            tally.fail('accepted a reply that is not a Hardware API v1 state', reply);
          } else if (JSON.stringify(outcome.state) !== JSON.stringify(JSON.parse(reply.body))) {
            tally.fail('the state differs from the reply', reply);
          }
          return;
        }
        const error = outcome.error;
        if (!(error instanceof KubedeskError)) {
          tally.fail(`rejected with ${String(error)}, not a KubedeskError`, reply);
        } else if (bodyIsState) {
          tally.fail(`refused a valid state: ${error.message}`, reply);
        } else {
          const unclear = unclearError(error);
          if (unclear) {
            tally.fail(unclear, reply);
          }
        }
      }),
      { numRuns: options.runs, seed: options.seed },
    );
  } finally {
    await close(server);
    stopWatching();
  }
  return tally.figures();
}

// ---------------------------------------------------------------------------------------------
// Pairing endpoint

interface PairingInput {
  method: string;
  path: string;
  contentType: string | undefined;
  origin: string | undefined;
  body: string;
  /** Show a new code on the display first, and maybe send it. */
  issueCode: boolean;
  sendRightCode: boolean;
}

function pairingInputs(): fc.Arbitrary<PairingInput> {
  const body = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record(
          {
            code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })),
            name: fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue({ maxDepth: 1 })),
            extra: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.integer({ min: 4 * 1024 - 10, max: 6 * 1024 }).map((size) => 'x'.repeat(size)) },
  );
  return fc.record({
    method: fc.oneof(
      { weight: 8, arbitrary: fc.constant('POST') },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE') },
    ),
    path: fc.oneof(
      { weight: 8, arbitrary: fc.constant('/keyboard/pair') },
      { weight: 1, arbitrary: fc.constant('/keyboard/device') },
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded') },
    ),
    origin: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('http://evil.example', 'not a url') },
    ),
    body,
    issueCode: fc.boolean(),
    sendRightCode: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });
}

/**
 * HTTP requests with generated bodies to `POST /keyboard/pair` of a real web host. Every answer
 * is a success with a device, or an error status with `{ error: { code, message } }`; never a
 * 500, never a dropped connection. The pairing clock moves ten minutes between requests so the
 * per-address limit does not turn every later request into the same 429.
 */
export async function fuzzPairingEndpoint(options: FuzzOptions): Promise<FuzzFigures> {
  const tally = new Tally('pairing endpoint');
  const stopWatching = watchUnhandledRejections(tally);
  const host = await createHost({ host: 'web', display: null, kubeconfig: { path: '/nonexistent' }, log: () => {} });
  let clock = Date.now();
  const pairing = new PairingAuthority({ now: () => clock });
  const staticDir = await mkdtemp(join(tmpdir(), 'kubedesk-fuzz-static-'));
  const web = await startWebHost({ api: host.api, pairing, staticDir, port: 0, log: () => {} });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await fc.assert(
      fc.asyncProperty(pairingInputs(), async (input) => {
        tally.inputs++;
        clock += FAILURE_WINDOW_MS + 1;
        let body = input.body;
        if (input.issueCode) {
          const issued = pairing.issueCode();
          if (input.sendRightCode) {
            body = JSON.stringify({ code: issued.code, name: 'fuzzed phone' });
          }
        }
        const answer = await within(send(web.port, agent, { ...input, body }));
        if (answer === 'timeout') {
          tally.fail(`no answer within ${ANSWER_TIMEOUT_MS} ms`, input);
          return;
        }
        if ('error' in answer) {
          tally.fail(`the connection failed: ${answer.error}`, input);
          return;
        }
        let json: { error?: { code?: unknown; message?: unknown }; id?: unknown } | undefined;
        try {
          json = JSON.parse(answer.body) as typeof json;
        } catch {
          tally.fail(`answered ${answer.status} with a body that is not JSON: ${answer.body.slice(0, 100)}`, input);
          return;
        }
        if (answer.status === 200) {
          if (typeof json?.id !== 'string') {
            tally.fail('answered 200 without a device', input);
          }
          return;
        }
        if (answer.status >= 500) {
          tally.fail(`answered ${answer.status}`, input);
          return;
        }
        const unclear = unclearError(json?.error);
        if (unclear) {
          tally.fail(unclear, input);
        }
      }),
      { numRuns: options.runs, seed: options.seed },
    );
  } finally {
    agent.destroy();
    await web.close();
    await host.dispose();
    await rm(staticDir, { recursive: true, force: true });
    stopWatching();
  }
  return tally.figures();
}

function send(
  port: number,
  agent: Agent,
  input: PairingInput,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (input.contentType !== undefined) {
      headers['Content-Type'] = input.contentType;
    }
    if (input.origin !== undefined) {
      headers.Origin = input.origin;
    }
    const outgoing = request(
      { host: '127.0.0.1', port, method: input.method, path: input.path, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', (error) => resolve({ error: error.message }));
      },
    );
    outgoing.on('error', (error) => resolve({ error: error.message }));
    outgoing.end(input.method === 'GET' ? undefined : input.body);
  });
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export const fuzzTargets: Record<string, (options: FuzzOptions) => Promise<FuzzFigures>> = {
  'RPC decoder': fuzzRpcDecoder,
  'catalog parser': fuzzCatalogParser,
  'hardware client': fuzzHardwareClient,
  'pairing endpoint': fuzzPairingEndpoint,
};
