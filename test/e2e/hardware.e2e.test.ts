/**
 * The hardware controller as a person at the desk sees it: `kubedesk hardware-sim` as a real
 * process, `kubedesk serve --hardware` in front of it, the shell in Chromium. Killing the
 * simulator shows "Hardware offline" in the taskbar; starting it again clears it by itself; a
 * wrong token shows the 401.
 *
 * Needs a build (`npm run build`): both processes run from dist/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { freePort, startKubedesk, startServe, type StartedProcess } from '../support/processes.js';

/** The taskbar should be up well within this on any machine. */
const SHOW_TIMEOUT_MS = 15_000;
/** The host's event stream reconnects with a backoff capped at 10 s; the slack is for a loaded machine. */
const RECOVER_TIMEOUT_MS = 25_000;
const SIMULATOR_START_TIMEOUT_MS = 15_000;
const SIMULATOR_LINE = /Hardware simulator is serving at (\S+)/;

const INDICATOR = '[data-hardware="offline"]';

let launched: LaunchedBrowser | undefined;
let directory = '';
const processes: StartedProcess[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  launched = await launchChromium();
  directory = await mkdtemp(join(tmpdir(), 'kubedesk-hw-e2e-'));
});
afterEach(async () => {
  for (const context of contexts.splice(0)) {
    await context.close();
  }
  for (const started of processes.splice(0)) {
    await started.stop();
  }
});
afterAll(async () => {
  await launched?.close();
  await rm(directory, { recursive: true, force: true });
});

async function startSimulator(port: number, token: string): Promise<StartedProcess> {
  const simulator = startKubedesk([
    'hardware-sim',
    '--port',
    String(port),
    '--token',
    token,
    '--state',
    join(directory, 'state.json'),
  ]);
  processes.push(simulator);
  await expect
    .poll(() => SIMULATOR_LINE.test(simulator.stdout()) || simulator.child.exitCode !== null, {
      timeout: SIMULATOR_START_TIMEOUT_MS,
    })
    .toBe(true);
  if (!SIMULATOR_LINE.test(simulator.stdout())) {
    throw new Error(`hardware-sim did not start:\n${simulator.stderr()}`);
  }
  return simulator;
}

async function openShell(port: number, token: string): Promise<Page> {
  const host = await startServe({
    args: ['--hardware', `http://127.0.0.1:${port}/`],
    env: { KUBEDESK_HARDWARE_TOKEN: token, KUBECONFIG: '/nonexistent/kubeconfig' },
  });
  processes.push(host);
  const context = await launched!.browser.newContext({ viewport: { width: 1600, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(host.url);
  await page.locator('nav[aria-label="taskbar"]').waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
  return page;
}

async function hardwareHealth(page: Page): Promise<string | null> {
  return page.locator('li[data-capability="hardware"]').getAttribute('class');
}

describe('the hardware controller in the shell', () => {
  test('shows "Hardware offline" when the simulator is killed, and clears it when it is back', async () => {
    const token = randomBytes(12).toString('hex');
    const port = await freePort();
    const simulator = await startSimulator(port, token);
    const page = await openShell(port, token);
    await page.locator('button[aria-label="cluster status"]').click();
    await expect.poll(() => hardwareHealth(page), { timeout: SHOW_TIMEOUT_MS }).toContain('state-ok');
    expect(await page.locator(INDICATOR).count()).toBe(0);

    await simulator.kill();
    const indicator = page.locator(INDICATOR);
    await indicator.waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
    expect(await indicator.innerText()).toBe('Hardware offline');
    expect(await indicator.getAttribute('title')).toMatch(
      new RegExp(
        `^Hardware controller http://127.0.0.1:${port}/ is offline: .*(the connection was cut|ECONNREFUSED|ended)`,
      ),
    );
    await expect.poll(() => hardwareHealth(page)).toContain('state-down');

    await startSimulator(port, token);
    await indicator.waitFor({ state: 'detached', timeout: RECOVER_TIMEOUT_MS });
    await expect.poll(() => hardwareHealth(page)).toContain('state-ok');
  });

  test('shows a refused token as offline with the 401', async () => {
    const port = await freePort();
    await startSimulator(port, 'the-right-token');
    const page = await openShell(port, 'a-wrong-token');
    const indicator = page.locator(INDICATOR);
    await indicator.waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
    expect(await indicator.getAttribute('title')).toContain('the controller refused the token (401');
  });
});
