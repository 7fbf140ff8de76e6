/**
 * The keyboard end to end: `kubedesk serve --display :7N` types into an xterm on Xvfb through
 * the `input` capability, directly and through an xpra-forwarded window; held keys are let go
 * when a client vanishes; a phone pairs, types, and stops when revoked; the on-screen keyboard
 * in Chromium leaves the focus where it was.
 *
 * Needs a build (`npm run build`) and Debian's Xvfb, openbox, xterm, xdotool and xpra.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { HostApi } from '../../src/contract/index.js';
import { openXConnection } from '../../src/input/index.js';
import { createRpcClient, websocketTransport, type RpcClient } from '../../src/rpc/index.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { startServe, type ServeProcess } from '../support/processes.js';
import { focusedWindowName, startXSession, waitFor, type KeylogApp, type XSession } from '../support/xsession.js';

/**
 * ASCII, German and French letters, symbols and CJK: most of it is missing from the `us`
 * layout of the test display, so it goes through spare keycodes.
 */
const MIXED_TEXT =
  'Grüße aus Köln! Ça coûte 12,50 € — déjà vu? naïve œuvre «ß» 日本語の键盘 ~`@#$%^&*()[]{}|\\;:\'",.<>/?';
/** Enough for the text above with a keymap settle or two (1 s each) on a loaded machine. */
const TYPED_TIMEOUT_MS = 30_000;
const SHIFT_L_KEYCODE_NAME = 'Shift_L';

let session: XSession;
let host: ServeProcess;
let token: string;
const clients: { client: RpcClient<HostApi>; socket: WebSocket }[] = [];
let launched: LaunchedBrowser | undefined;

function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}

/** A client of the host over its WebSocket, as a program with the host's token (or a device cookie). */
async function connect(headers: Record<string, string> = { Authorization: `Bearer ${token}` }) {
  const socket = await openSocket(`ws://127.0.0.1:${host.port}/rpc`, headers);
  const client = createRpcClient<HostApi>();
  client.attach(websocketTransport(socket as unknown as Parameters<typeof websocketTransport>[0]));
  const entry = { client, socket };
  clients.push(entry);
  return entry;
}

function http(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: host.port, method, path, headers: options.headers ?? {} },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** Waits until the app has read exactly `expected` (or the time is up), then checks it. */
async function typedExactly(app: KeylogApp, expected: string): Promise<void> {
  await waitFor(`"${expected}" in ${app.title}`, async () => (await app.read()) === expected, TYPED_TIMEOUT_MS).catch(
    () => undefined,
  );
  expect(await app.read()).toBe(expected);
}

async function pressedKeycodes(): Promise<number[]> {
  const connection = await openXConnection(session.display);
  try {
    return await connection.pressedKeycodes();
  } finally {
    await connection.close();
  }
}

beforeAll(async () => {
  session = await startXSession();
  token = randomBytes(16).toString('hex');
  host = await startServe({
    args: ['--listen', '127.0.0.1', '--token', token, '--display', session.display],
    env: { KUBECONFIG: '/nonexistent/kubeconfig' },
  });
  await waitFor('the input capability', async () => (await (await connect()).client.api.input.state()).ready, 15_000);
});

afterEach(async () => {
  for (const { socket } of clients.splice(0)) {
    socket.terminate();
  }
});

afterAll(async () => {
  await launched?.close();
  await host?.kill();
  await session?.stop();
});

describe('the input capability on Xvfb', () => {
  test('types ASCII, German, French, symbols and CJK through the us layout, exactly', async () => {
    const app = await session.keylogApp('KEYLOG-LOCAL');
    const { client } = await connect();
    const started = Date.now();
    await client.api.input.type(MIXED_TEXT);
    console.log(`[e2e] typed ${[...MIXED_TEXT].length} characters in ${Date.now() - started} ms`);
    await typedExactly(app, MIXED_TEXT);

    // Keys and modifiers: Return comes out as CR in a raw tty, Ctrl+A as 0x01.
    await app.clear();
    await client.api.input.key({ key: 'Return' });
    await client.api.input.key({ key: 'a', modifiers: ['control'] });
    await client.api.input.key({ key: 'A' });
    await typedExactly(app, '\r\u0001A');
  });

  test('types the same into an xpra-forwarded window', async () => {
    const app = await session.forwardedKeylogApp('KEYLOG-FORWARDED');
    const { client } = await connect();
    await client.api.input.type(MIXED_TEXT);
    await typedExactly(app, MIXED_TEXT);
  });

  test('a client that disconnects while holding Shift leaves no key pressed', async () => {
    const app = await session.keylogApp('KEYLOG-SHIFT');
    const { client, socket } = await connect();
    await client.api.input.down(SHIFT_L_KEYCODE_NAME);
    await expect(client.api.input.state()).resolves.toMatchObject({ held: ['Shift_L'] });
    const held = await pressedKeycodes();
    expect(held.length).toBe(1);
    // Shift really is down: a named key now comes out shifted (Shift+Tab is ESC [ Z in xterm).
    await client.api.input.key({ key: 'Tab' });
    await typedExactly(app, '\u001b[Z');

    socket.terminate();
    await waitFor('every key released', async () => (await pressedKeycodes()).length === 0, 10_000);
    expect(await pressedKeycodes()).toEqual([]);
    // And the next key is not shifted.
    const { client: next } = await connect();
    await app.clear();
    await next.api.input.key({ key: 'Tab' });
    await typedExactly(app, '\t');
  });
});

describe('a phone as the keyboard', () => {
  test('unpaired requests are refused; a paired device types, may reach only input, and stops when revoked', async () => {
    const app = await session.keylogApp('KEYLOG-PHONE');
    // Unpaired: no WebSocket, no device, the page itself is public.
    await expect(openSocket(`ws://127.0.0.1:${host.port}/rpc`, {})).rejects.toThrow('HTTP 401');
    expect((await http('GET', '/keyboard/device')).status).toBe(401);
    expect((await http('GET', '/keyboard')).status).toBe(200);
    expect((await http('GET', '/')).status).toBe(401);

    const { client: owner } = await connect();
    const { code } = await owner.api.pairing.code();
    const json = { 'Content-Type': 'application/json' };
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await http('POST', '/keyboard/pair', {
      headers: json,
      body: JSON.stringify({ code: wrongCode, name: 'Mallory' }),
    });
    expect(wrong.status).toBe(401);
    const badBody = await http('POST', '/keyboard/pair', {
      headers: json,
      body: JSON.stringify({ code: '12', name: 'x' }),
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body).toContain('code');

    const paired = await http('POST', '/keyboard/pair', {
      headers: json,
      body: JSON.stringify({ code, name: "Anna's phone" }),
    });
    expect(paired.status).toBe(200);
    const cookie = String(paired.headers['set-cookie']).split(';')[0] ?? '';
    expect(cookie).toMatch(/^kubedesk_device=/);
    expect(String(paired.headers['set-cookie'])).toContain('HttpOnly');
    // A code pairs one device.
    const again = await http('POST', '/keyboard/pair', {
      headers: json,
      body: JSON.stringify({ code, name: 'Second' }),
    });
    expect(again.status).toBe(401);

    const phone = await connect({ Cookie: cookie });
    await phone.client.api.input.type('from the phone');
    await typedExactly(app, 'from the phone');
    await expect(phone.client.api.system.info()).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(phone.client.api.pairing.devices()).rejects.toMatchObject({ code: 'unauthorized' });
    const devices = await owner.api.pairing.devices();
    expect(devices).toEqual([expect.objectContaining({ name: "Anna's phone", connected: true })]);

    const closed = new Promise<number>((resolve) => phone.socket.once('close', (closeCode) => resolve(closeCode)));
    await owner.api.pairing.revoke(devices[0]?.id ?? '');
    expect(await closed).toBe(1008);
    await expect(openSocket(`ws://127.0.0.1:${host.port}/rpc`, { Cookie: cookie })).rejects.toThrow('HTTP 401');
    expect((await http('GET', '/keyboard/device', { headers: { Cookie: cookie } })).status).toBe(401);
  });
});

describe('the on-screen keyboard in Chromium', () => {
  test('types into the focused xterm, which keeps the focus, and never takes the page focus', async () => {
    const app = await session.keylogApp('KEYLOG-OSK');
    launched = await launchChromium();
    const context = await launched.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(host.url);
    await page.locator('button[aria-label="On-screen keyboard"]:not([disabled])').click({ timeout: 15_000 });
    const keyboard = page.locator('.osk');
    await keyboard.waitFor();

    await keyboard.locator('button[data-key="h"]').click();
    await keyboard.locator('button[data-key="i"]').click();
    // Sticky Shift: the next key shows and types its shifted character, then Shift is off again.
    await keyboard.locator('button[data-modifier="shift"]').first().click();
    await expect(keyboard.locator('button[data-modifier="shift"]').first().getAttribute('data-mode')).resolves.toBe(
      'sticky',
    );
    await keyboard.locator('button[data-key="!"]').click();
    await expect(keyboard.locator('button[data-modifier="shift"]').first().getAttribute('data-mode')).resolves.toBe(
      'off',
    );
    // The de layout on a us display: ß and ü typed as shown.
    await page.locator('.keyboard-layouts button', { hasText: 'DE' }).click();
    await keyboard.locator('button[data-key="ß"]').click();
    await keyboard.locator('button[data-key="ü"]').click();
    await typedExactly(app, 'hi!ßü');
    expect(await focusedWindowName(session.display)).toBe('KEYLOG-OSK');

    // On the phone page a text box has the focus: pressing keys leaves it there.
    const phone = await context.newPage();
    await phone.goto(`${host.baseUrl}keyboard`);
    await phone.locator('.phone .osk').waitFor({ timeout: 15_000 });
    await phone.locator('textarea[name="text"]').focus();
    await phone.locator('.osk button[data-key="x"]').click();
    await expect(phone.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('text');
    await typedExactly(app, 'hi!ßüx');
    expect(await focusedWindowName(session.display)).toBe('KEYLOG-OSK');
    await context.close();
  });
});
