/**
 * Renews docs/images/shell.png, the picture of the shell in the README: a four-Pi local cluster
 * with the DesktopApp CRD and the example apps, the hardware simulator, Xvfb as the screen,
 * `kubedesk serve` on pi-1, the cluster panel open at 1920x1080.
 *
 * Runs only with KUBEDESK_DOCS_IMAGES=1 (it writes into docs/, and starts a cluster of its own):
 *   npm run docs:images
 * Needs the local cluster's binaries (built on first use, see docs/local-cluster.md).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, describe, test } from 'vitest';
import { kubeRequest, loadKubeconfig } from '../../src/cluster/index.js';
import {
  ensureClusterBinaries,
  startCluster,
  stopCluster,
  type ClusterBinaries,
} from '../../src/localcluster/index.js';
import { randomAddressBlock } from '../setup/cluster.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { applyManifest, FOUR_PI_MAP, patchNodeLabels, putHardwareMap, until } from '../support/desk.js';
import { findFreePortBase } from '../support/ports.js';
import { repositoryRoot, startKubedesk, startServe, track, type StartedProcess } from '../support/processes.js';

const DOCS_IMAGES_DIR = join(repositoryRoot, 'docs', 'images');
const VIEWPORT = { width: 1920, height: 1080 };
const SHOW_TIMEOUT_MS = 30_000;
const SIMULATOR_LINE = /Hardware simulator is serving at (\S+)/;
/** The clock in the picture: a weekday morning rather than whenever the picture was taken. */
const PICTURE_TIME = new Date('2026-05-12T10:42:00Z');

/** X displays this file may use; the keyboard tests own :70–:79. */
const FIRST_DISPLAY = 90;
const LAST_DISPLAY = 99;

const processes: StartedProcess[] = [];
const stopXvfb: (() => void)[] = [];
let launched: LaunchedBrowser | undefined;
let context: BrowserContext | undefined;
let binaries: ClusterBinaries | undefined;
let directory = '';

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await launched?.close();
  await Promise.all(processes.splice(0).map((started) => started.kill()));
  stopXvfb.splice(0).forEach((stop) => stop());
  if (binaries && directory) {
    await stopCluster(directory, { binaries });
  }
  if (directory) {
    await rm(directory, { recursive: true, force: true });
  }
});

/** Xvfb at 1920x1080 on the first free display of :90–:99, tracked; returns its name. */
async function startXvfb(): Promise<string> {
  for (let number = FIRST_DISPLAY; number <= LAST_DISPLAY; number++) {
    if (existsSync(`/tmp/.X${number}-lock`) || existsSync(`/tmp/.X11-unix/X${number}`)) {
      continue;
    }
    const child = spawn('/usr/bin/Xvfb', [`:${number}`, '-screen', '0', '1920x1080x24', '-nolisten', 'tcp'], {
      stdio: 'ignore',
      detached: true,
    });
    track(child);
    stopXvfb.push(() => child.kill('SIGKILL'));
    await until(
      `Xvfb :${number}`,
      () => existsSync(`/tmp/.X11-unix/X${number}`) || child.exitCode !== null,
      (done) => done,
    );
    if (child.exitCode === null) {
      return `:${number}`;
    }
  }
  throw new Error(`no free X display in :${FIRST_DISPLAY}–:${LAST_DISPLAY}`);
}

describe.runIf(process.env.KUBEDESK_DOCS_IMAGES === '1')('pictures for the docs', () => {
  test('docs/images/shell.png: the shell on a four-Pi cluster with the cluster panel open', async () => {
    binaries = await ensureClusterBinaries();
    directory = await mkdtemp(join(tmpdir(), 'kubedesk-docs-images-'));
    const cluster = await startCluster({
      binaries,
      directory,
      nodes: 4,
      portBase: await findFreePortBase(38_000, 39_000),
      addressBlock: randomAddressBlock(),
      stopWithPid: process.pid,
    });
    const config = loadKubeconfig({ path: cluster.kubeconfig }).config;
    await applyManifest(config, join(repositoryRoot, 'deploy', 'namespaces.yaml'));
    await applyManifest(config, join(repositoryRoot, 'deploy', 'crds', 'desktopapp.yaml'));
    await until(
      'the DesktopApp CRD',
      () =>
        kubeRequest<{ status?: { conditions?: { type: string; status: string }[] } }>(config, {
          method: 'GET',
          path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/desktopapps.kubedesk.io',
        }),
      (crd) => crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false,
    );
    for (const app of ['browser', 'editor', 'terminal']) {
      await applyManifest(config, join(repositoryRoot, 'deploy', 'apps', `${app}.yaml`));
    }
    await applyManifest(config, join(repositoryRoot, 'deploy', 'shell.yaml'), (object) => object.kind === 'ConfigMap');
    await putHardwareMap(config, FOUR_PI_MAP);
    await patchNodeLabels(config, 'pi-1', { 'kubedesk.io/display': 'active' });

    const token = randomBytes(16).toString('hex');
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
    const simulatorUrl = await until(
      'the hardware simulator',
      () => SIMULATOR_LINE.exec(simulator.stdout())?.[1] ?? '',
      (url) => url !== '',
    );
    const host = await startServe({
      args: ['--hardware', simulatorUrl],
      env: {
        KUBECONFIG: cluster.kubeconfig,
        KUBEDESK_HARDWARE_TOKEN: token,
        KUBEDESK_NODE_NAME: 'pi-1',
        DISPLAY: await startXvfb(),
        KUBEDESK_TOKEN: '',
      },
    });
    processes.push(host);

    launched = await launchChromium();
    context = await launched.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
    const page = await context.newPage();
    // Fixes Date only; timers keep running.
    await page.clock.setFixedTime(PICTURE_TIME);
    await page.goto(host.url);
    await page.locator('nav[aria-label="taskbar"]').waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
    await page.locator('[data-connection]').waitFor({ state: 'detached', timeout: SHOW_TIMEOUT_MS });
    await page.locator('[data-nodes-ready="4"]').waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
    await page.locator('button[aria-label="cluster status"]').click();
    await page.locator('li[data-capability="system"]').waitFor({ state: 'visible', timeout: SHOW_TIMEOUT_MS });
    // Let the panel settle (cards, health rows) and keep the pointer off every button.
    await page.mouse.move(VIEWPORT.width / 2, 200);
    await page.waitForTimeout(1_500);
    await mkdir(DOCS_IMAGES_DIR, { recursive: true });
    await page.screenshot({ path: join(DOCS_IMAGES_DIR, 'shell.png') });
  }, 600_000);
});
