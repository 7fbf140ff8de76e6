import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { hostSpec, type Disposable, type HostApi } from '../contract/index.js';
import type { PairingAuthority } from '../input/index.js';
import { serveRpc, websocketTransport } from '../rpc/index.js';
import {
  DEVICE_COOKIE,
  DEVICE_PATH,
  handlePairingRequest,
  KEYBOARD_PAGE_PATH,
  keyboardPageUrl,
  PAIR_PATH,
} from './pairing-http.js';

export interface WebHostOptions {
  api: HostApi;
  /** The built renderer (index.html and its assets). */
  staticDir: string;
  /** Address to listen on; 127.0.0.1 unless told otherwise. */
  listen?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Required beyond loopback; then every HTTP and WebSocket request must present it. */
  token?: string;
  log?: (line: string) => void;
  /**
   * Each peer's own view of the host (its held keys), disposed when it disconnects. Without it
   * every peer shares `api`.
   */
  openPeer?: (scope: { deviceId?: string }) => { api: HostApi; dispose(): void };
  /** Paired keyboards: their tokens open `/rpc` for the `input` capability only. */
  pairing?: PairingAuthority;
}

/** What a paired device's connection may reach: typing, nothing else. */
export const DEVICE_CAPABILITIES = ['input'] as const;

export interface WebHost {
  /** Base URL to open, with the token as a query parameter when one is set. */
  url: string;
  port: number;
  address: string;
  /** Number of WebSocket peers connected now. */
  peers(): number;
  close(): Promise<void>;
}

/**
 * WebSocket frames above this are cut off by the socket itself; frames between the RPC limit
 * (1 MiB) and this get a clear `frame-too-large` reply from the RPC layer instead.
 */
const SOCKET_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Dead peers (a phone that lost Wi-Fi) are found by ping and their listeners released. */
const PING_INTERVAL_MS = 30_000;
const TOKEN_COOKIE = 'kubedesk_token';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function isLoopback(address: string): boolean {
  if (address === 'localhost') {
    return true;
  }
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) {
    return bare.startsWith('127.');
  }
  return bare === '::1';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      return decodeURIComponent(rest.join('='));
    }
  }
  return undefined;
}

/**
 * Serves the renderer and the contract at `/rpc`. On loopback it needs no token but checks the
 * Host header (against DNS rebinding) and the WebSocket Origin (against other sites' pages);
 * beyond loopback it refuses to start without a token.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const listen = options.listen ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const token = options.token;
  if (token !== undefined && token.length < 16) {
    throw new Error('the token must be at least 16 characters long');
  }
  if (!isLoopback(listen) && !token) {
    throw new Error(
      `refusing to listen on ${listen} without a token: anyone on that network could control this desktop. ` +
        'Pass --token or --token-file, or listen on 127.0.0.1.',
    );
  }

  let port = options.port ?? 0;

  function hostAllowed(request: IncomingMessage): boolean {
    if (token) {
      return true;
    }
    // Without a token only loopback names are served: a rebinding DNS name pointing at
    // 127.0.0.1 carries its own name in Host and is refused.
    const host = (request.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
    return isLoopback(name);
  }

  function authorized(request: IncomingMessage, url: URL): boolean {
    if (!token) {
      return true;
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const candidate = bearer ?? cookieValue(request.headers.cookie, TOKEN_COOKIE) ?? url.searchParams.get('token');
    return candidate !== undefined && candidate !== null && sameSecret(candidate, token);
  }

  /** A paired device's token: its cookie, or a bearer token that is not the host's. */
  function deviceTokenOf(request: IncomingMessage): string | undefined {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    return cookieValue(request.headers.cookie, DEVICE_COOKIE) ?? bearer;
  }

  /**
   * Served without the host token: the phone keyboard page and the renderer's files it loads
   * (code and icons, no data). Everything a page could do still needs a token at `/rpc`.
   */
  function isPublicPath(pathname: string): boolean {
    return (
      options.pairing !== undefined &&
      (pathname === KEYBOARD_PAGE_PATH ||
        pathname === `${KEYBOARD_PAGE_PATH}/` ||
        pathname.startsWith('/assets/') ||
        /^\/[\w.-]+\.svg$/.test(pathname))
    );
  }

  function originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) {
      // Not a browser (browsers always send Origin on WebSocket): a local program, or a remote
      // one that already passed the token check.
      return true;
    }
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }

  function refuse(response: ServerResponse, status: number, message: string): void {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    response.end(message + '\n');
  }

  async function serveFile(response: ServerResponse, pathname: string): Promise<void> {
    let relative: string;
    try {
      relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    } catch {
      refuse(response, 400, 'bad path');
      return;
    }
    if (relative.split(sep).includes('..')) {
      refuse(response, 400, 'bad path');
      return;
    }
    // Paths without an extension are routes of the single-page renderer.
    const file = relative === '' || extname(relative) === '' ? 'index.html' : relative;
    const path = join(options.staticDir, file);
    try {
      const info = await stat(path);
      if (!info.isFile()) {
        throw new Error('not a file');
      }
      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cache-Control': file === 'index.html' ? 'no-cache' : 'public, max-age=3600',
        ...SECURITY_HEADERS,
      });
      createReadStream(path).pipe(response);
    } catch {
      refuse(
        response,
        404,
        file === 'index.html' ? `the renderer is not built: ${path} is missing (run npm run build)` : 'not found',
      );
    }
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://host');
    if (!hostAllowed(request)) {
      refuse(response, 403, 'unknown Host header: open this page as http://127.0.0.1 or http://localhost');
      return;
    }
    if (options.pairing && (url.pathname === PAIR_PATH || url.pathname === DEVICE_PATH)) {
      void handlePairingRequest(
        request,
        response,
        url.pathname,
        options.pairing,
        deviceTokenOf(request),
        SECURITY_HEADERS,
      ).then((handled) => handled || refuse(response, 404, 'not found'));
      return;
    }
    if (!authorized(request, url) && !isPublicPath(url.pathname)) {
      refuse(response, 401, 'Kubedesk needs its token: open the URL that `kubedesk serve` printed.');
      return;
    }
    if (token && url.searchParams.has('token')) {
      // Trade the token in the address bar for a cookie, so it leaves the URL and history.
      url.searchParams.delete('token');
      response.writeHead(303, {
        Location: url.pathname + url.search,
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        ...SECURITY_HEADERS,
      });
      response.end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      refuse(response, 405, 'method not allowed');
      return;
    }
    if (url.pathname === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'application/json', ...SECURITY_HEADERS });
      response.end(JSON.stringify({ ok: true, peers: sockets.size }) + '\n');
      return;
    }
    void serveFile(response, url.pathname);
  });

  const sockets = new Set<WebSocket>();
  const alive = new WeakMap<WebSocket, boolean>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: SOCKET_MAX_PAYLOAD_BYTES });

  function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://host');
    if (url.pathname !== '/rpc') {
      rejectUpgrade(socket, 404, 'Not Found');
    } else if (!hostAllowed(request)) {
      rejectUpgrade(socket, 403, 'Forbidden');
    } else if (!originAllowed(request)) {
      log(`refused a WebSocket from origin ${request.headers.origin ?? '?'}`);
      rejectUpgrade(socket, 403, 'Forbidden');
    } else if (authorized(request, url)) {
      wss.handleUpgrade(request, socket, head, (ws) => connected(ws, undefined));
    } else {
      const device = options.pairing?.authenticate(deviceTokenOf(request));
      if (device) {
        wss.handleUpgrade(request, socket, head, (ws) => connected(ws, device.id));
      } else {
        rejectUpgrade(socket, 401, 'Unauthorized');
      }
    }
  });

  /** Sockets of paired devices, closed as soon as their pairing ends. */
  const deviceSockets = new Map<WebSocket, string>();
  const pairingChanges = options.pairing?.onChange(() => {
    for (const [ws, deviceId] of deviceSockets) {
      if (!options.pairing?.isPaired(deviceId)) {
        log(`closing the connection of device ${deviceId}: its pairing ended`);
        ws.close(1008, 'pairing ended');
        // A peer that does not answer the close is cut off: the token stops working now.
        setTimeout(() => ws.terminate(), 1_000).unref();
        deviceSockets.delete(ws);
      }
    }
  });

  function connected(ws: WebSocket, deviceId: string | undefined): void {
    sockets.add(ws);
    alive.set(ws, true);
    const peer = options.openPeer?.(deviceId === undefined ? {} : { deviceId }) ?? {
      api: options.api,
      dispose() {},
    };
    let presence: Disposable | undefined;
    if (deviceId !== undefined) {
      deviceSockets.set(ws, deviceId);
      presence = options.pairing?.connected(deviceId);
    }
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      sockets.delete(ws);
      deviceSockets.delete(ws);
      presence?.dispose();
    });
    serveRpc(peer.api, hostSpec, websocketTransport(ws), {
      onInternalError: (error, where) => log(`error in ${where}: ${(error as Error)?.stack ?? String(error)}`),
      session: peer,
      ...(deviceId === undefined ? {} : { capabilities: DEVICE_CAPABILITIES }),
    });
  }

  const pinger = setInterval(() => {
    for (const ws of sockets) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listen, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : port;
  const shownHost = listen.includes(':') ? `[${listen}]` : listen;
  const url = `http://${shownHost}:${port}/` + (token ? `?token=${encodeURIComponent(token)}` : '');
  options.pairing?.setPageUrl(keyboardPageUrl(listen, port));

  return {
    url,
    port,
    address: listen,
    peers: () => sockets.size,
    async close() {
      clearInterval(pinger);
      pairingChanges?.dispose();
      options.pairing?.setPageUrl(null);
      for (const ws of sockets) {
        ws.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
