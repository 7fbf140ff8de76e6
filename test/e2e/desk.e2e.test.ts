/**
 * The screen and the power from the shell, end to end: a local cluster of its own, `kubedesk
 * hardware-sim` and `kubedesk serve --hardware` as real processes, the shell in Chromium. Picking
 * pi-3 in the display menu switches the simulator's inputs, moves the label and the shell pod;
 * powering pi-4 off from its card cordons it and switches its port off, and the simulated Pi goes
 * down (simulated-power.ts plays the Pis' side, as the demo does); powering it on boots it and
 * uncordons it. A port switched off behind the desk's back is flagged on its card.
 *
 * Needs a build (`npm run build`) and the local cluster's binaries (bin/setup builds them).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubeRequest, loadKubeconfig, type KubeNode } from '../../src/cluster/index.js';
import { HardwareClient } from '../../src/hardware/index.js';
import { startPowerSimulation, type PowerSimulation } from '../../src/power/simulated-power.js';
import {
  ensureClusterBinaries,
  startCluster,
  stopCluster,
  type ClusterBinaries,
} from '../../src/localcluster/index.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { applyManifest, FOUR_PI_MAP, patchNodeLabels, putHardwareMap, shellPods, until } from '../support/desk.js';
import { repositoryRoot, startKubedesk, startServe, type StartedProcess } from '../support/processes.js';

const SHOW_TIMEOUT_MS = 20_000;
const SIMULATOR_LINE = /Hardware simulator is serving at (\S+)/;
/** Away from the default cluster, the integration runs and the benchmarks. */
const PORT_BASE_LOWEST = 35_000;
const ADDRESS_BLOCK = 246;

let launched: LaunchedBrowser | undefined;
let binaries: ClusterBinaries | undefined;
let directory = '';
let kubeconfig = '';
let page: Page;
let context: BrowserContext | undefined;
let simulatorUrl = '';
const token = randomBytes(12).toString('hex');
const processes: StartedProcess[] = [];
let simulation: PowerSimulation | undefined;

const config = () => loadKubeconfig({ path: kubeconfig }).config;

async function simulatorState(): Promise<{
  hdmi: { active: string };
  audio: { active: string };
  power: Record<string, boolean>;
}> {
  const response = await fetch(new URL('v1/state', simulatorUrl), { headers: { Authorization: `Bearer ${token}` } });
  return (await response.json()) as never;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePortBase(): Promise<number> {
  for (let base = PORT_BASE_LOWEST; base < PORT_BASE_LOWEST + 1_000; base += 10) {
    if ((await Promise.all(Array.from({ length: 7 }, (_, offset) => portIsFree(base + offset)))).every(Boolean)) {
      return base;
    }
  }
  throw new Error('no 7 free ports for the cluster');
}

beforeAll(async () => {
  binaries = await ensureClusterBinaries();
  directory = await mkdtemp(join(tmpdir(), 'kubedesk-e2e-desk-'));
  const cluster = await startCluster({
    binaries,
    directory,
    nodes: 4,
    portBase: await freePortBase(),
    addressBlock: ADDRESS_BLOCK,
  });
  kubeconfig = cluster.kubeconfig;
  await applyManifest(config(), join(repositoryRoot, 'deploy', 'shell.yaml'), (object) => object.kind === 'ConfigMap');
  await putHardwareMap(config(), FOUR_PI_MAP);
  await patchNodeLabels(config(), 'pi-1', { 'kubedesk.io/display': 'active' });

  const simulator = startKubedesk([
    'hardware-sim',
    '--port',
    '0',
    '--token',
    token,
    '--state',
    join(directory, 'hardware.json'),
  ]);
  processes.push(simulator);
  simulatorUrl = await until(
    'the simulator',
    () => SIMULATOR_LINE.exec(simulator.stdout())?.[1] ?? '',
    (url) => url !== '',
  );
  const host = await startServe({
    args: ['--hardware', simulatorUrl],
    env: { KUBECONFIG: kubeconfig, KUBEDESK_HARDWARE_TOKEN: token, KUBEDESK_NODE_NAME: 'pi-1' },
  });
  processes.push(host);
  simulation = startPowerSimulation({ config: config(), hardware: new HardwareClient({ url: simulatorUrl, token }) });

  launched = await launchChromium();
  context = await launched.browser.newContext({ viewport: { width: 1600, height: 900 } });
  page = await context.newPage();
  await page.goto(host.url);
  await page.locator('nav[aria-label="taskbar"]').waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
}, 300_000);

afterAll(async () => {
  simulation?.stop();
  await context?.close();
  await launched?.close();
  for (const started of processes.splice(0)) {
    await started.stop();
  }
  if (binaries && directory) {
    await stopCluster(directory, { binaries });
  }
  await rm(directory, { recursive: true, force: true });
});

describe('the desk from the shell', () => {
  test('picking a node in the display menu puts it on the screen', async () => {
    await page.locator('button[aria-label="Display: pi-1"]').click();
    const panel = page.locator('section[aria-label="display panel"]');
    await panel.locator('[data-display-active="pi-1"]').waitFor({ timeout: SHOW_TIMEOUT_MS });
    await panel.locator('[data-display-node="pi-3"] button').click();
    await panel.locator('[data-display-active="pi-3"]').waitFor({ timeout: SHOW_TIMEOUT_MS });

    const state = await simulatorState();
    expect([state.hdmi.active, state.audio.active]).toEqual(['3', '3']);
    const holders = await kubeRequest<{ items: KubeNode[] }>(config(), {
      path: `/api/v1/nodes?labelSelector=${encodeURIComponent('kubedesk.io/display=active')}`,
    });
    expect(holders.items.map((node) => node.metadata.name)).toEqual(['pi-3']);
    await until(
      'the shell on pi-3',
      () => shellPods(config()),
      (pods) => pods.length === 1 && pods[0]!.node === 'pi-3' && pods[0]!.phase === 'Running',
    );
    await page.screenshot({ path: join(repositoryRoot, 'test-results', 'display-panel.png') });
  });

  test('powering pi-4 off and on from its card', async () => {
    await page.locator('button[aria-label="cluster status"]').click();
    const card = page.locator('[data-node="pi-4"]');
    await card.locator('[data-power="on"]').waitFor({ timeout: SHOW_TIMEOUT_MS });
    await card.click();
    const controls = page.locator('[aria-label="power of pi-4"]');
    await controls.getByRole('button', { name: 'Off' }).click();

    await controls
      .locator('[data-power-phase="done"]')
      .filter({ hasText: 'pi-4 is off' })
      .waitFor({ timeout: SHOW_TIMEOUT_MS });
    await card.locator('[data-power="off"]:not([data-power-mismatch])').waitFor({ timeout: SHOW_TIMEOUT_MS });
    expect((await simulatorState()).power['4']).toBe(false);
    const off = await kubeRequest<KubeNode & { spec?: { unschedulable?: boolean } }>(config(), {
      path: '/api/v1/nodes/pi-4',
    });
    expect(off.spec?.unschedulable).toBe(true);
    await card.locator('.ready-dot.not-ready').waitFor({ timeout: SHOW_TIMEOUT_MS });
    await page.screenshot({ path: join(repositoryRoot, 'test-results', 'node-power.png') });

    await controls.getByRole('button', { name: 'On' }).click();
    await controls
      .locator('[data-power-phase="done"]')
      .filter({ hasText: 'pi-4 is on and Ready' })
      .waitFor({ timeout: SHOW_TIMEOUT_MS });
    await card.locator('[data-power="on"]:not([data-power-mismatch])').waitFor({ timeout: SHOW_TIMEOUT_MS });
    const on = await kubeRequest<KubeNode & { spec?: { unschedulable?: boolean } }>(config(), {
      path: '/api/v1/nodes/pi-4',
    });
    expect(on.spec?.unschedulable).toBeUndefined();
  });

  test('flags a port switched off behind the desk', async () => {
    // Nothing plays the Pi's side now: pi-2 keeps saying Ready with its port off.
    simulation?.stop();
    simulation = undefined;
    await fetch(new URL('v1/power/2', simulatorUrl), {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ on: false }),
    });
    const badge = page.locator('[data-node="pi-2"] [data-power="off"][data-power-mismatch="true"]');
    await badge.waitFor({ timeout: SHOW_TIMEOUT_MS });
    expect(await badge.getAttribute('title')).toBe(
      "port 2 is off but the node is Ready: is 2 really pi-2's port in kubedesk-hardware?",
    );
  });
});
