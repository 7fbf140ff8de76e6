import type { z } from 'zod';
import {
  KubedeskError,
  type CapabilitySpec,
  type ContractSpec,
  type Disposable,
  type RemoteError,
} from '../contract/index.js';
import { describeIssues, parseFrame } from './codec.js';
import { requestMessage, type CallMessage, type ListenMessage, type ResponseMessage } from './messages.js';
import type { Transport } from './transport.js';

export interface ServeOptions {
  /** Told of implementation failures that are not KubedeskErrors (they reach the peer as `internal`). */
  onInternalError?: (error: unknown, where: string) => void;
  /**
   * The only capabilities this peer may reach (e.g. a paired phone: `input`); others answer
   * `unauthorized`. All of them when not given.
   */
  capabilities?: readonly string[];
  /**
   * The peer's own state on the host (keys it holds), disposed when the peer goes, after its
   * listeners: whatever it held is let go however the connection ended.
   */
  session?: Disposable;
}

/** Turns anything thrown into the three fields that cross the boundary. */
export function toRemoteError(error: unknown): RemoteError {
  if (error instanceof KubedeskError) {
    return error.toJSON();
  }
  if (error instanceof Error) {
    return { name: error.name || 'Error', code: 'internal', message: error.message };
  }
  return { name: 'Error', code: 'internal', message: String(error) };
}

function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Serves one peer on one transport: validates every frame and every argument against the
 * contract's schemas before the implementation sees it, and releases every listener of the peer
 * when the transport closes. Returns a disposer that does the same.
 */
export function serveRpc<Api extends object>(
  api: Api,
  spec: ContractSpec<Api>,
  transport: Transport,
  options: ServeOptions = {},
): Disposable {
  const listeners = new Map<number, Disposable>();
  let closed = false;

  function send(message: ResponseMessage): void {
    if (closed) {
      return;
    }
    try {
      transport.send(JSON.stringify(message));
    } catch (error) {
      // A peer that went away mid-reply: the close handler releases its listeners.
      options.onInternalError?.(error, 'send');
    }
  }

  function fail(id: number | null, error: unknown): void {
    send({ type: 'result', id, ok: false, error: toRemoteError(error) });
  }

  const allowed = options.capabilities ? new Set(options.capabilities) : undefined;

  function capabilityOf(name: string): { target: Record<string, unknown>; spec: CapabilitySpec<unknown> } {
    if (allowed && !allowed.has(name)) {
      throw new KubedeskError(
        'unauthorized',
        `this peer may use only ${[...allowed].join(', ')}, not "${name}"`,
        'Unauthorized',
      );
    }
    const capabilitySpec = lookup(spec as Record<string, CapabilitySpec<unknown>>, name);
    const target = lookup(api as Record<string, Record<string, unknown>>, name);
    if (!capabilitySpec || !target) {
      throw new KubedeskError('unknown-method', `unknown capability "${name}"`, 'UnknownMethod');
    }
    return { target, spec: capabilitySpec };
  }

  function parseArgs(schema: z.ZodType, args: unknown[], where: string): unknown[] {
    const parsed = schema.safeParse(args);
    if (!parsed.success) {
      throw new KubedeskError(
        'bad-arguments',
        `bad arguments for ${where}: ${describeIssues(parsed.error, 'args')}`,
        'BadArguments',
      );
    }
    return parsed.data as unknown[];
  }

  async function call(message: CallMessage): Promise<void> {
    const where = `${message.capability}.${message.method}`;
    try {
      const { target, spec: capabilitySpec } = capabilityOf(message.capability);
      const schema = lookup(capabilitySpec.methods as Record<string, z.ZodType>, message.method);
      const method = target[message.method];
      if (!schema || typeof method !== 'function') {
        throw new KubedeskError('unknown-method', `unknown method "${where}"`, 'UnknownMethod');
      }
      const args = parseArgs(schema, message.args, where);
      const value: unknown = await (method as (...args: unknown[]) => Promise<unknown>).apply(target, args);
      send({ type: 'result', id: message.id, ok: true, value: value ?? null });
    } catch (error) {
      if (!(error instanceof KubedeskError)) {
        options.onInternalError?.(error, where);
      }
      fail(message.id, error);
    }
  }

  function listen(message: ListenMessage): void {
    const where = `${message.capability}.${message.event}`;
    try {
      if (listeners.has(message.id)) {
        throw new KubedeskError('conflict', `listener id ${message.id} is already in use`, 'Conflict');
      }
      const { target, spec: capabilitySpec } = capabilityOf(message.capability);
      const schema = lookup(capabilitySpec.events as Record<string, z.ZodType>, message.event);
      const subscribe = target[message.event];
      if (!schema || typeof subscribe !== 'function') {
        throw new KubedeskError('unknown-method', `unknown event "${where}"`, 'UnknownMethod');
      }
      const args = parseArgs(schema, message.args, where);
      const subscription = (subscribe as (...args: unknown[]) => Disposable).apply(target, [
        ...args,
        (value: unknown) => send({ type: 'event', id: message.id, value: value ?? null }),
      ]);
      listeners.set(message.id, subscription);
      send({ type: 'result', id: message.id, ok: true, value: null });
    } catch (error) {
      if (!(error instanceof KubedeskError)) {
        options.onInternalError?.(error, where);
      }
      fail(message.id, error);
    }
  }

  function receive(frame: string): void {
    let data: unknown;
    try {
      data = parseFrame(frame);
    } catch (error) {
      fail(null, error);
      return;
    }
    const parsed = requestMessage.safeParse(data);
    if (!parsed.success) {
      const rawId = (data as { id?: unknown } | null)?.id;
      const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0 ? rawId : null;
      fail(id, new KubedeskError('bad-message', `bad message: ${describeIssues(parsed.error)}`, 'BadMessage'));
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'call':
        void call(message);
        break;
      case 'listen':
        listen(message);
        break;
      case 'unlisten':
        listeners.get(message.id)?.dispose();
        listeners.delete(message.id);
        break;
    }
  }

  function close(): void {
    if (closed) {
      return;
    }
    closed = true;
    messages.dispose();
    closing.dispose();
    for (const subscription of listeners.values()) {
      subscription.dispose();
    }
    listeners.clear();
    options.session?.dispose();
  }

  const messages = transport.onMessage(receive);
  const closing = transport.onClose(close);
  return { dispose: close };
}
