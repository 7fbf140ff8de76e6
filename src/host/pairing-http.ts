import type { IncomingMessage, ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { PairingError, type PairingAuthority } from '../input/index.js';

/** The cookie a paired device's token travels in: HttpOnly, so page scripts never see it. */
export const DEVICE_COOKIE = 'kubedesk_device';
/** A pairing request is a code and a name: anything bigger is not one. */
const MAX_PAIR_BODY_BYTES = 4 * 1024;

export const PAIR_PATH = '/keyboard/pair';
export const DEVICE_PATH = '/keyboard/device';
export const KEYBOARD_PAGE_PATH = '/keyboard';

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  response.end(JSON.stringify(body) + '\n');
}

const ERROR_CODES: Record<number, string> = {
  400: 'bad-arguments',
  401: 'unauthorized',
  403: 'unauthorized',
  405: 'bad-message',
  409: 'conflict',
  415: 'bad-message',
  429: 'rate-limited',
};

function sendError(response: ServerResponse, status: number, message: string, headers: Record<string, string>): void {
  const code = ERROR_CODES[status] ?? 'internal';
  sendJson(response, status, { error: { code, message } }, headers);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAIR_BODY_BYTES) {
        reject(new PairingError(400, `body: more than ${MAX_PAIR_BODY_BYTES} bytes`));
        // Stop keeping the body but leave the socket alone: destroying it here cut the 400 off
        // before the phone saw it. The answer closes the connection, dropping the rest.
        request.removeAllListeners('data');
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Whether a browser request comes from a page of this host (against cross-site form posts). */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) {
    return true;
  }
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * `POST /keyboard/pair` (a code and a name → a device cookie) and `GET /keyboard/device` (is
 * this browser paired?). Both are open without the host token: they are how a phone gets one.
 * Returns false for other paths.
 */
export async function handlePairingRequest(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  pairing: PairingAuthority,
  deviceToken: string | undefined,
  headers: Record<string, string>,
): Promise<boolean> {
  // An answer sent before the body is read (or with the body only half read) closes the
  // connection: the unread rest must not be taken for the next request on it, and a reused
  // connection the server then drops would fail the phone's next request.
  const refuse = (status: number, message: string) =>
    sendError(response, status, message, request.complete ? headers : { ...headers, Connection: 'close' });
  if (pathname === DEVICE_PATH) {
    if (request.method !== 'GET') {
      refuse(405, 'use GET');
      return true;
    }
    const device = pairing.authenticate(deviceToken);
    if (device) {
      sendJson(response, 200, device, headers);
    } else {
      refuse(401, 'this browser is not paired: type the code shown on the display');
    }
    return true;
  }
  if (pathname !== PAIR_PATH) {
    return false;
  }
  if (request.method !== 'POST') {
    refuse(405, 'use POST');
    return true;
  }
  if (!sameOrigin(request)) {
    refuse(403, 'pairing is only accepted from this host’s own page');
    return true;
  }
  // JSON only: a cross-site form cannot send it without a preflight, which is never answered.
  if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
    refuse(415, 'send the pairing request as application/json');
    return true;
  }
  try {
    const text = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PairingError(400, 'body: not JSON');
    }
    const { token, device } = pairing.pair(body, request.socket.remoteAddress ?? 'unknown');
    const maxAge = Math.max(0, Math.floor((Date.parse(device.expiresAt) - Date.now()) / 1000));
    sendJson(response, 200, device, {
      ...headers,
      'Set-Cookie': `${DEVICE_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}`,
    });
  } catch (error) {
    if (error instanceof PairingError) {
      refuse(error.status, error.message);
    } else {
      refuse(400, (error as Error).message);
    }
  }
  return true;
}

/**
 * The keyboard page's address for phones: the listening address, or on a wildcard address the
 * machine's first outward IPv4 address (the one a phone on the same network can reach).
 */
export function keyboardPageUrl(listen: string, port: number): string {
  let host = listen;
  if (listen === '0.0.0.0' || listen === '::') {
    const outward = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
    host = outward?.address ?? '127.0.0.1';
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}${KEYBOARD_PAGE_PATH}`;
}
