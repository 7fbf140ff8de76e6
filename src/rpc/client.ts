import { KubedeskError, type Disposable } from '../contract/index.js';
import { describeIssues, parseFrame } from './codec.js';
import { responseMessage, type RequestMessage } from './messages.js';
import type { Transport } from './transport.js';

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Subscription {
  capability: string;
  event: string;
  args: unknown[];
  listener: (value: unknown) => void;
}

export interface RpcClient<Api> {
  /** The contract as a typed object: `api.system.info()`, `api.system.onHealth(listener)`. */
  readonly api: Api;
  /**
   * Uses a (new) connection. Calls in flight on the previous one fail with `disconnected`;
   * every live subscription is sent again, so listeners survive a reconnect.
   */
  attach(transport: Transport): void;
  /** Stops using the current connection; calls fail with `disconnected` until the next attach. */
  detach(): void;
  /** Told when the host refuses a subscription or sends something unreadable. */
  onError(listener: (error: KubedeskError) => void): Disposable;
}

function isEventName(name: string): boolean {
  return /^on[A-Z]/.test(name);
}

function disconnected(): KubedeskError {
  return new KubedeskError('disconnected', 'not connected to the Kubedesk host', 'Disconnected');
}

/**
 * The peer side of the contract. `api` is a Proxy: any `capability.method(...)` becomes a call,
 * any `capability.onEvent(...args, listener)` a subscription, so a new contract member needs no
 * glue here.
 */
export function createRpcClient<Api extends object>(): RpcClient<Api> {
  let transport: Transport | undefined;
  let connection: Disposable[] = [];
  let nextId = 1;
  const pending = new Map<number, PendingCall>();
  const subscriptions = new Map<number, Subscription>();
  const errorListeners = new Set<(error: KubedeskError) => void>();

  function reportError(error: KubedeskError): void {
    for (const listener of [...errorListeners]) {
      listener(error);
    }
  }

  function send(message: RequestMessage): boolean {
    if (!transport) {
      return false;
    }
    try {
      transport.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  function receive(frame: string): void {
    let parsed;
    try {
      parsed = responseMessage.safeParse(parseFrame(frame, Number.POSITIVE_INFINITY));
    } catch (error) {
      reportError(error as KubedeskError);
      return;
    }
    if (!parsed.success) {
      reportError(new KubedeskError('bad-message', `bad reply: ${describeIssues(parsed.error)}`, 'BadMessage'));
      return;
    }
    const message = parsed.data;
    if (message.type === 'event') {
      subscriptions.get(message.id)?.listener(message.value);
      return;
    }
    if (message.id === null) {
      if (!message.ok) {
        reportError(new KubedeskError(message.error.code, message.error.message, message.error.name));
      }
      return;
    }
    const call = pending.get(message.id);
    if (call) {
      pending.delete(message.id);
      if (message.ok) {
        call.resolve(message.value);
      } else {
        call.reject(new KubedeskError(message.error.code, message.error.message, message.error.name));
      }
      return;
    }
    const subscription = subscriptions.get(message.id);
    if (subscription && !message.ok) {
      // The host refused the subscription: drop it rather than re-sending it on every reconnect.
      subscriptions.delete(message.id);
      reportError(new KubedeskError(message.error.code, message.error.message, message.error.name));
    }
  }

  function failPending(): void {
    for (const call of pending.values()) {
      call.reject(disconnected());
    }
    pending.clear();
  }

  function detach(): void {
    for (const disposable of connection) {
      disposable.dispose();
    }
    connection = [];
    transport = undefined;
    failPending();
  }

  function attach(next: Transport): void {
    detach();
    transport = next;
    connection = [next.onMessage(receive), next.onClose(() => transport === next && detach())];
    for (const [id, subscription] of subscriptions) {
      send({
        type: 'listen',
        id,
        capability: subscription.capability,
        event: subscription.event,
        args: subscription.args,
      });
    }
  }

  function call(capability: string, method: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      if (!send({ type: 'call', id, capability, method, args })) {
        pending.delete(id);
        reject(disconnected());
      }
    });
  }

  function listen(capability: string, event: string, argsAndListener: unknown[]): Disposable {
    const listener = argsAndListener.at(-1);
    if (typeof listener !== 'function') {
      throw new TypeError(`${capability}.${event} needs a listener as its last argument`);
    }
    const id = nextId++;
    const args = argsAndListener.slice(0, -1);
    subscriptions.set(id, { capability, event, args, listener: listener as (value: unknown) => void });
    send({ type: 'listen', id, capability, event, args });
    return {
      dispose() {
        if (subscriptions.delete(id)) {
          send({ type: 'unlisten', id });
        }
      },
    };
  }

  const capabilities = new Map<string, object>();
  function capabilityProxy(capability: string): object {
    let proxy = capabilities.get(capability);
    if (!proxy) {
      proxy = new Proxy(
        {},
        {
          get(_target, member) {
            if (typeof member !== 'string' || member === 'then') {
              return undefined;
            }
            return isEventName(member)
              ? (...args: unknown[]) => listen(capability, member, args)
              : (...args: unknown[]) => call(capability, member, args);
          },
        },
      );
      capabilities.set(capability, proxy);
    }
    return proxy;
  }

  const api = new Proxy(
    {},
    {
      get(_target, capability) {
        // `then` is asked by `await`; a capability is never a thenable.
        return typeof capability === 'string' && capability !== 'then' ? capabilityProxy(capability) : undefined;
      },
    },
  ) as Api;

  return {
    api,
    attach,
    detach,
    onError(listener) {
      errorListeners.add(listener);
      return { dispose: () => errorListeners.delete(listener) };
    },
  };
}
