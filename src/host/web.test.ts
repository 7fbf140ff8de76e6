import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HostApi } from '../contract/index.js';
import { createRpcClient, websocketTransport } from '../rpc/index.js';
import { describeContract } from './contract.spec.js';
import { createHost, type Host } from './index.js';
import { isLoopback, startWebHost, type WebHost } from './web.js';

let staticDir: string;
beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'kubedesk-web-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Kubedesk</title>');
  await writeFile(join(staticDir, 'app.js'), 'console.log(1)');
});
afterAll(async () => {
  await rm(staticDir, { recursive: true, force: true });
});

function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}

describeContract('a real WebSocket', async (host) => {
  const web = await startWebHost({ api: host.api, staticDir, port: 0 });
  const socket = await openSocket(`ws://127.0.0.1:${web.port}/rpc`);
  const client = createRpcClient<HostApi>();
  client.attach(websocketTransport(socket));
  return {
    client,
    raw: (frame) =>
      new Promise((resolve) => {
        const receive = (data: WebSocket.RawData) => {
          const text = data.toString();
          // Replies to the client's own calls may interleave; raw frames get id null or their own id.
          socket.off('message', receive);
          resolve(text);
        };
        socket.on('message', receive);
        socket.send(frame);
      }),
    async disconnect() {
      socket.close();
      await new Promise<void>((resolve) =>
        socket.readyState === WebSocket.CLOSED ? resolve() : socket.once('close', () => resolve()),
      );
      await expect.poll(() => web.peers()).toBe(0);
      await web.close();
    },
  };
});

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the web host', () => {
  let host: Host;
  const webs: WebHost[] = [];
  beforeAll(async () => {
    host = await createHost({ host: 'web', nodeName: 'pi-1', kubeconfig: { path: '/nonexistent/kubeconfig' } });
  });
  afterAll(async () => {
    for (const web of webs) {
      await web.close();
    }
    await host.dispose();
  });

  async function start(options: { token?: string; listen?: string } = {}): Promise<WebHost> {
    const web = await startWebHost({ api: host.api, staticDir, port: 0, ...options });
    webs.push(web);
    return web;
  }

  it('knows which addresses are loopback', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.5', '::', 'pi-1.local', '128.0.0.1'].some(isLoopback)).toBe(false);
  });

  it('listens on 127.0.0.1 by default and serves the renderer with security headers', async () => {
    const web = await start();
    expect(web.address).toBe('127.0.0.1');
    const page = await get(web.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Kubedesk</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(web.port, '/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await get(web.port, '/missing.js')).status).toBe(404);
    // Paths that climb out of the renderer folder stay inside it.
    const climbing = await get(web.port, '/%2e%2e/%2e%2e/etc/passwd');
    expect(climbing.body).not.toContain('root:');
    expect((await get(web.port, '/..%2f..%2fetc%2fpasswd.txt')).status).toBe(404);
  });

  it('refuses to listen beyond loopback without a token, and short tokens', async () => {
    await expect(startWebHost({ api: host.api, staticDir, listen: '0.0.0.0', port: 0 })).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0 without a token/,
    );
    await expect(startWebHost({ api: host.api, staticDir, port: 0, token: 'short' })).rejects.toThrow(/at least 16/);
  });

  it('with a token, refuses requests without it (401) and accepts header, cookie and query', async () => {
    const token = 'a-very-secret-token-of-32-chars!';
    const web = await start({ token });
    expect(web.url).toContain(`token=${encodeURIComponent(token)}`);
    expect((await get(web.port, '/')).status).toBe(401);
    expect((await get(web.port, '/', { authorization: 'Bearer wrong-token-wrong-token!!' })).status).toBe(401);
    expect((await get(web.port, '/', { authorization: `Bearer ${token}` })).status).toBe(200);
    const traded = await get(web.port, `/?token=${encodeURIComponent(token)}`);
    expect(traded.status).toBe(303);
    expect(traded.headers.location).toBe('/');
    const cookie = String(traded.headers['set-cookie']).split(';')[0]!;
    expect(traded.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await get(web.port, '/', { cookie })).status).toBe(200);

    await expect(openSocket(`ws://127.0.0.1:${web.port}/rpc`)).rejects.toThrow(/401/);
    const socket = await openSocket(`ws://127.0.0.1:${web.port}/rpc`, {
      headers: { authorization: `Bearer ${token}` },
    });
    socket.close();
  });

  it('refuses WebSockets from other origins and pages asked for by a foreign Host name', async () => {
    const web = await start();
    await expect(openSocket(`ws://127.0.0.1:${web.port}/rpc`, { origin: 'http://evil.example' })).rejects.toThrow(
      /403/,
    );
    const sameOrigin = await openSocket(`ws://127.0.0.1:${web.port}/rpc`, { origin: `http://127.0.0.1:${web.port}` });
    sameOrigin.close();
    // A DNS-rebinding page reaches 127.0.0.1 under its own name.
    expect((await get(web.port, '/', { host: `rebind.example:${web.port}` })).status).toBe(403);
    expect((await get(web.port, '/', { host: `localhost:${web.port}` })).status).toBe(200);
  });

  it('keeps serving other clients while one sends garbage', async () => {
    const web = await start();
    const good = await openSocket(`ws://127.0.0.1:${web.port}/rpc`);
    const bad = await openSocket(`ws://127.0.0.1:${web.port}/rpc`);
    const client = createRpcClient<HostApi>();
    client.attach(websocketTransport(good));
    const replies: string[] = [];
    bad.on('message', (data: WebSocket.RawData) => replies.push(data.toString()));
    for (const frame of [
      '',
      'null',
      '{',
      '{"type":"listen","id":1,"capability":"system","event":"onNothing","args":[]}',
    ]) {
      bad.send(frame);
    }
    bad.send(Buffer.from([0, 1, 2]));
    await expect.poll(() => replies.length).toBe(5);
    expect(replies.map((reply) => (JSON.parse(reply) as { ok: boolean }).ok)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    await expect(client.api.system.info()).resolves.toMatchObject({ nodeName: 'pi-1' });
    good.close();
    bad.close();
  });
});
