import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** An answer of the API server that is not a success, or no answer at all. */
export class KubeRequestError extends Error {
  override readonly name = 'KubeRequestError';
  constructor(
    message: string,
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** The Status object's reason (`NotFound`, `Expired`, …) when the server sent one. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/api/v1/nodes?limit=500`. */
  path: string;
  body?: unknown;
  /** For PATCH: `application/merge-patch+json` unless told otherwise. */
  contentType?: string;
  /** Gives up on a request that has not answered by then; watches pass none. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Opens a request to the API server of `config`'s current context, with its TLS and credentials.
 * Kubernetes objects come and go as plain API JSON here: no model classes, no date conversion,
 * which matters at 10,000 pods.
 */
export async function openKubeRequest(config: KubeConfig, options: KubeRequest): Promise<IncomingMessage> {
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new KubeRequestError('the kubeconfig has no current cluster', 0);
  }
  const url = new URL(cluster.server.replace(/\/$/, '') + options.path);
  const requestOptions: RequestOptions = {
    method: options.method ?? 'GET',
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    path: url.pathname + url.search,
    headers: { Accept: 'application/json' },
  };
  await config.applyToHTTPSOptions(requestOptions);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload !== undefined) {
    requestOptions.headers = {
      ...requestOptions.headers,
      'Content-Type':
        options.contentType ?? (options.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'),
      'Content-Length': Buffer.byteLength(payload),
    };
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send({ ...requestOptions, ...(options.signal ? { signal: options.signal } : {}) }, resolve);
    outgoing.on('error', (error) =>
      reject(error instanceof KubeRequestError ? error : new KubeRequestError(`${url.host}: ${error.message}`, 0)),
    );
    if (options.timeoutMs !== undefined) {
      outgoing.setTimeout(options.timeoutMs, () =>
        outgoing.destroy(new KubeRequestError(`${url.host}: no answer within ${options.timeoutMs} ms`, 0)),
      );
    }
    outgoing.end(payload);
  });
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Turns a non-2xx answer into an error with the Status message the server gave. */
export async function errorFrom(response: IncomingMessage, what: string): Promise<KubeRequestError> {
  const text = await readBody(response).catch(() => '');
  let message = text.slice(0, 300);
  let reason: string | undefined;
  try {
    const status = JSON.parse(text) as { message?: string; reason?: string };
    message = status.message ?? message;
    reason = status.reason;
  } catch {
    // not a Status object: keep the text
  }
  return new KubeRequestError(`${what}: ${response.statusCode} ${message}`.trim(), response.statusCode ?? 0, reason);
}

/** One request, its JSON answer parsed; non-2xx answers throw `KubeRequestError`. */
export async function kubeRequest<T>(config: KubeConfig, options: KubeRequest): Promise<T> {
  const response = await openKubeRequest(config, { timeoutMs: 30_000, ...options });
  const what = `${options.method ?? 'GET'} ${options.path.split('?')[0]}`;
  if ((response.statusCode ?? 0) >= 300) {
    throw await errorFrom(response, what);
  }
  const text = await readBody(response);
  return (text === '' ? null : JSON.parse(text)) as T;
}
