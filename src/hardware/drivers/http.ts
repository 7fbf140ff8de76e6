import { KubedeskError } from '../../contract/index.js';

/** A plug answers in milliseconds on a home network; Wi-Fi power saving can make it a second. */
export const DRIVER_TIMEOUT_MS = 3_000;
/** Plug replies are small JSON documents; anything bigger is not one. */
export const MAX_DRIVER_REPLY_BYTES = 64 * 1024;

export interface DriverRequest {
  url: URL;
  timeoutMs?: number;
  /** Sent as `Authorization: Basic …`. */
  basicAuth?: { user: string; password: string };
  /** Who is asking, for error messages: "tasmota at http://10.0.0.31/". */
  who: string;
}

/** GETs a JSON document from a plug, with a deadline and a size limit; errors say which device and why. */
export async function getJson(request: DriverRequest): Promise<unknown> {
  const timeoutMs = request.timeoutMs ?? DRIVER_TIMEOUT_MS;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (request.basicAuth) {
    const pair = `${request.basicAuth.user}:${request.basicAuth.password}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(request.url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    if ((error as Error).name === 'TimeoutError') {
      throw new KubedeskError('timeout', `${request.who}: no answer within ${timeoutMs} ms`, 'DriverError');
    }
    throw new KubedeskError('unavailable', `${request.who}: ${cause ?? (error as Error).message}`, 'DriverError');
  }
  const text = await readLimited(response, request.who);
  if (response.status === 401 || response.status === 403) {
    throw new KubedeskError(
      'unauthorized',
      `${request.who} refused the credentials (${response.status})`,
      'DriverError',
    );
  }
  if (!response.ok) {
    throw new KubedeskError(
      response.status >= 500 ? 'unavailable' : 'bad-arguments',
      `${request.who} answered ${response.status}: ${text.slice(0, 120)}`,
      'DriverError',
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new KubedeskError(
      'bad-message',
      `${request.who}: the reply is not JSON: ${JSON.stringify(text.slice(0, 60))}`,
      'DriverError',
    );
  }
}

/** Reads the body, giving up past the size limit instead of buffering whatever a device sends. */
async function readLimited(response: Response, who: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) {
      break;
    }
    size += next.value.length;
    if (size > MAX_DRIVER_REPLY_BYTES) {
      await reader?.cancel();
      throw new KubedeskError(
        'bad-message',
        `${who}: the reply is over ${MAX_DRIVER_REPLY_BYTES} bytes`,
        'DriverError',
      );
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
