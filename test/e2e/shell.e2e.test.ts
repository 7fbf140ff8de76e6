/**
 * The shell frame in Chromium against a real `kubedesk serve`: the taskbar, the live `system`
 * health, the reconnect after the host dies and comes back, and the token rules of the web host.
 *
 * The hosts here have no cluster, no X display and no hardware controller, whatever the
 * environment says: the frame and the `system` capability must work without them. (With a
 * cluster, test/e2e/desk.e2e.test.ts and docs-images.e2e.test.ts.)
 *
 * Needs a build (`npm run build`): the host serves dist/renderer and runs from dist/.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { holdPort, repositoryRoot, runKubedesk, startServe, type ServeProcess } from '../support/processes.js';

const RESULTS_DIR = join(repositoryRoot, 'test-results');
const VIEWPORT = { width: 1920, height: 1080 };
/** The taskbar should be up well within this on any machine; a Pi 4 needs about 2 s. */
const SHOW_TIMEOUT_MS = 15_000;
/**
 * The renderer's backoff is capped at 5 s (renderer/connection.ts), so a host that is back should
 * be found within that plus a connect; the slack is for a loaded CI machine.
 */
const RECOVER_TIMEOUT_MS = 15_000;

const TASKBAR = 'nav[aria-label="taskbar"]';
const STATUS_PILL = 'button[aria-label="cluster status"]';
const BADGE = '[data-connection]';
const SYSTEM_ROW = 'li[data-capability="system"]';

/** A host on its own: a kubeconfig that does not exist, no DISPLAY, no hardware controller. */
const ALONE: Record<string, string> = {
  KUBECONFIG: join(tmpdir(), `kubedesk-e2e-no-cluster-${process.pid}`, 'kubeconfig'),
  DISPLAY: '',
  KUBEDESK_HARDWARE_URL: '',
  KUBEDESK_HARDWARE_TOKEN: '',
  KUBEDESK_TOKEN: '',
};

let launched: LaunchedBrowser | undefined;
let version = '';
const hosts: ServeProcess[] = [];
const contexts: BrowserContext[] = [];

/** Starts a host that afterEach kills, whatever the test did with it. */
async function serve(options: Parameters<typeof startServe>[0] = {}): Promise<ServeProcess> {
  const host = await startServe({ ...options, env: { ...ALONE, ...options.env } });
  hosts.push(host);
  return host;
}

async function newPage(): Promise<Page> {
  if (!launched) {
    throw new Error('Chromium did not start');
  }
  // en-GB and UTC, so the clock reads the same on every machine.
  const context = await launched.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
  contexts.push(context);
  return context.newPage();
}

/** Page errors and console errors, collected so a failure says what the page saw. */
function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

/**
 * Waits until the shell is connected and has the host's health: no badge, and the pill shows a
 * state (without a cluster that is the cluster's "down", so no particular one is expected).
 */
async function waitUntilLive(page: Page, timeout = SHOW_TIMEOUT_MS): Promise<void> {
  await page.locator(TASKBAR).waitFor({ state: 'visible', timeout });
  await page.locator(BADGE).waitFor({ state: 'detached', timeout });
  await page.locator(`${STATUS_PILL}:not(.state-unknown)`).waitFor({ state: 'visible', timeout });
}

/** Opens the panel behind the status pill, where the host's health rows are. */
async function openStatusPanel(page: Page): Promise<void> {
  if (!(await page.locator(SYSTEM_ROW).isVisible())) {
    await page.locator(STATUS_PILL).click();
  }
  await page.locator(SYSTEM_ROW).waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
}

/** Waits for the `system` health row to be ok and to name `nodeName`. */
async function waitForSystemHealth(page: Page, nodeName: string, timeout = SHOW_TIMEOUT_MS): Promise<void> {
  const row = page.locator(`${SYSTEM_ROW}.state-ok`).filter({ hasText: nodeName });
  await row.waitFor({ state: 'visible', timeout });
}

beforeAll(async () => {
  const renderer = join(repositoryRoot, 'dist', 'renderer', 'index.html');
  const cli = join(repositoryRoot, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(renderer) || !existsSync(cli)) {
    throw new Error(`the build is missing (${renderer} or ${cli}): run npm run build first`);
  }
  version = (JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { version: string }).version;
  await mkdir(RESULTS_DIR, { recursive: true });
  launched = await launchChromium();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined)));
  await Promise.all(hosts.splice(0).map((host) => host.kill()));
});

afterAll(async () => {
  await launched?.close();
});

describe('the shell through the web host', () => {
  test('shows the taskbar and live health, and recovers by itself when the host restarts on its port', async () => {
    const host = await serve({ env: { KUBEDESK_NODE_NAME: 'e2e-node-a' } });
    const page = await newPage();
    const errors = watchForErrors(page);
    let loads = 0;
    page.on('load', () => loads++);

    const opened = Date.now();
    const response = await page.goto(host.url);
    expect(response?.status()).toBe(200);
    await waitUntilLive(page);
    console.log(`[e2e] taskbar live ${Date.now() - opened} ms after navigation`);

    // The frame: the taskbar along the whole bottom edge; Apps, the running-apps area, the tray.
    const box = await page.locator(TASKBAR).boundingBox();
    expect(box).toMatchObject({ x: 0, width: VIEWPORT.width });
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBe(VIEWPORT.height);
    await expect(page.locator('button[aria-label="Apps"]').isEnabled()).resolves.toBe(true);
    await expect(page.locator('[aria-label="running apps"]').count()).resolves.toBe(1);
    await expect(page.locator('button[aria-label^="Display: "]').count()).resolves.toBe(1);
    await expect(page.locator('button[aria-label="Terminal"]').count()).resolves.toBe(1);
    // No X display, so no `input` capability: the keyboard button is there but disabled.
    await expect(page.locator('button[aria-label="On-screen keyboard"]').isDisabled()).resolves.toBe(true);
    await expect(page.locator('[aria-label="clock"]').innerText()).resolves.toMatch(/\d\d:\d\d/);
    await expect(page.locator(STATUS_PILL).innerText()).resolves.not.toBe('');

    await openStatusPanel(page);
    await waitForSystemHealth(page, 'e2e-node-a');
    await expect(page.locator(SYSTEM_ROW).innerText()).resolves.toContain(`Kubedesk ${version} on e2e-node-a`);
    await page.screenshot({ path: join(RESULTS_DIR, 'shell.png') });

    // Marks this document: if the shell reloaded the page to recover, the mark would be gone.
    await page.evaluate(() => {
      document.documentElement.dataset.e2eMark = 'before-restart';
    });
    const loadsBefore = loads;

    // The host dies hard: no goodbye on the socket.
    const killed = Date.now();
    await host.kill();
    const badge = page.locator(`${BADGE}[data-connection="reconnecting"]`);
    await badge.waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
    console.log(`[e2e] reconnecting badge ${Date.now() - killed} ms after SIGKILL`);
    await expect(badge.innerText()).resolves.toMatch(/^Reconnecting… \d+ s \(attempt \d+\)$/);
    // It keeps trying by itself: wait for a second failed attempt.
    await page.waitForFunction(
      (selector) => /attempt ([2-9]|\d\d+)\)/.test(document.querySelector(selector)?.textContent ?? ''),
      BADGE,
      { timeout: SHOW_TIMEOUT_MS },
    );
    await page.screenshot({ path: join(RESULTS_DIR, 'shell-reconnecting.png') });

    // A new host on the same port, on another node so its health is told apart from the stale one.
    const restarted = Date.now();
    await serve({ port: host.port, env: { KUBEDESK_NODE_NAME: 'e2e-node-b' } });
    const serving = Date.now();
    await page.locator(BADGE).waitFor({ state: 'detached', timeout: RECOVER_TIMEOUT_MS });
    const reconnected = Date.now();
    await waitForSystemHealth(page, 'e2e-node-b', RECOVER_TIMEOUT_MS);
    console.log(
      `[e2e] host back on port ${host.port}: serving after ${serving - restarted} ms, ` +
        `badge gone ${reconnected - serving} ms later, new health after ${Date.now() - serving} ms`,
    );
    await expect(page.locator(SYSTEM_ROW).innerText()).resolves.toContain(`Kubedesk ${version} on e2e-node-b`);
    await page.locator(`${STATUS_PILL}:not(.state-unknown)`).waitFor({ state: 'visible' });

    // Recovered without a reload.
    await expect(page.evaluate(() => document.documentElement.dataset.e2eMark)).resolves.toBe('before-restart');
    expect(loads).toBe(loadsBefore);
    // The failed reconnects show up as console errors (the WebSocket handshake); nothing else may.
    expect(errors.filter((error) => !/WebSocket connection to .* failed/.test(error))).toEqual([]);
  });

  test('with a token: 401 without it, and ?token= is traded for a cookie and connects', async () => {
    const token = randomBytes(16).toString('hex');
    expect(token).toHaveLength(32);
    const host = await serve({ args: ['--listen', '127.0.0.1', '--token', token] });
    expect(host.url).toBe(`${host.baseUrl}?token=${token}`);

    // Without the token: 401 for the page and no WebSocket.
    const stranger = await newPage();
    const refused = await stranger.goto(host.baseUrl);
    expect(refused?.status()).toBe(401);
    await expect(stranger.locator('body').innerText()).resolves.toContain('token');
    await expect(stranger.locator(TASKBAR).count()).resolves.toBe(0);
    const socketOpened = await stranger.evaluate(
      (url) =>
        new Promise<boolean>((resolve) => {
          const socket = new WebSocket(url);
          socket.onopen = () => {
            socket.close();
            resolve(true);
          };
          socket.onclose = () => resolve(false);
        }),
      host.baseUrl.replace(/^http/, 'ws') + 'rpc',
    );
    expect(socketOpened).toBe(false);
    const wrong = await stranger.goto(`${host.baseUrl}?token=${'x'.repeat(32)}`);
    expect(wrong?.status()).toBe(401);

    // With the token in the query: a 303 that sets the cookie and drops the token from the address.
    const owner = await newPage();
    const errors = watchForErrors(owner);
    const loaded = await owner.goto(host.url);
    expect(loaded?.status()).toBe(200);
    const redirect = await loaded?.request().redirectedFrom()?.response();
    expect(redirect?.status()).toBe(303);
    expect(owner.url()).toBe(host.baseUrl);
    const cookies = await owner.context().cookies(host.baseUrl);
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'kubedesk_token', httpOnly: true, sameSite: 'Strict', path: '/' }),
    ]);
    await waitUntilLive(owner);
    await openStatusPanel(owner);
    await waitForSystemHealth(owner, `Kubedesk ${version}`);

    // The cookie alone is enough from now on.
    const again = await owner.reload();
    expect(again?.status()).toBe(200);
    await waitUntilLive(owner);
    expect(errors).toEqual([]);
  });

  test('refuses to serve beyond loopback without a token, before it listens', async () => {
    // The port is held on 127.0.0.1, so a host that tried to listen on 0.0.0.0 first would fail
    // with EADDRINUSE instead of the token message. No traffic goes to 0.0.0.0.
    const held = await holdPort();
    try {
      const started = Date.now();
      const result = await runKubedesk(['serve', '--listen', '0.0.0.0', '--port', String(held.port)], {
        env: { KUBEDESK_TOKEN: '' },
        timeoutMs: 15_000,
      });
      console.log(`[e2e] serve --listen 0.0.0.0 without a token exited after ${Date.now() - started} ms`);
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without a token');
      expect(result.stderr).toMatch(/--token/);
      expect(result.stderr).not.toContain('EADDRINUSE');
      expect(result.stdout).not.toContain('serving at');
    } finally {
      await held.release();
    }
  });
});
