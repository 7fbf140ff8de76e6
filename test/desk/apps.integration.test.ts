/**
 * The apps flow as a person sees it: in Chromium against the web host, on the run's local
 * cluster, with an Xvfb screen as the display node's HDMI screen.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeRequest } from '../../src/cluster/index.js';
import { createHost, packageRoot, startWebHost, type Host, type WebHost } from '../../src/host/index.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { adminConfig, kubeconfigPath, kubectl } from '../support/kube.js';
import { startXSession, xdotool, type XSession } from '../support/xsession.js';

const SCREENS = { first: 80, last: 89 };

async function windowIds(display: string, name: string): Promise<string[]> {
  const found = await xdotool(display, ['search', '--onlyvisible', '--name', name]).catch(() => '');
  return found.split('\n').filter((line) => line.trim() !== '');
}

/** The colour of the preview image at a point of the real screen, read in the page. */
async function previewPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    async ([screenX, screenY]) => {
      const image = document.querySelector<HTMLImageElement>('img.screen-preview')!;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const scale = image.naturalWidth / Number(image.dataset.screenWidth ?? image.naturalWidth);
      return [...context.getImageData(Math.floor(screenX! * scale), Math.floor(screenY! * scale), 1, 1).data];
    },
    [x, y],
  );
}

describe('apps in the shell, on the local cluster', () => {
  let screen: XSession;
  let host: Host;
  let web: WebHost;
  let chromium: LaunchedBrowser;
  let page: Page;
  const marker = `kd-e2e-${Date.now().toString(36)}`;

  beforeAll(async () => {
    screen = await startXSession(SCREENS);
    await kubectl('apply', '-f', 'deploy/crds/desktopapp.yaml');
    await kubectl('wait', '--for=condition=Established', 'crd/desktopapps.kubedesk.io', '--timeout=60s');
    await kubeRequest(adminConfig(), {
      method: 'POST',
      path: '/apis/kubedesk.io/v1alpha1/desktopapps',
      body: {
        apiVersion: 'kubedesk.io/v1alpha1',
        kind: 'DesktopApp',
        metadata: { name: 'e2e-terminal' },
        // White background: the window stands out on the black screen in the preview.
        spec: {
          displayName: 'E2E Terminal',
          icon: 'utilities-terminal',
          image: 'xterm:test',
          command: ['xterm', '-T', marker, '-bg', 'white', '-geometry', '80x24+100+100'],
        },
      },
    });
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: screen.display,
      metrics: false,
    });
    web = await startWebHost({
      api: host.api,
      openPeer: host.openPeer,
      pairing: host.pairing,
      staticDir: join(packageRoot(), 'dist', 'renderer'),
      port: 0,
    });
    chromium = await launchChromium();
    page = await chromium.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(web.url);
  });

  afterAll(async () => {
    await chromium?.close();
    await web?.close();
    await host?.dispose();
    await kubectl('delete', 'desktopapp', 'e2e-terminal', '--wait=false').catch(() => undefined);
    await screen?.stop();
  });

  it('launches the terminal from the app menu: pod, window on the screen, taskbar entry, preview', async () => {
    await page.getByRole('button', { name: 'Apps' }).click();
    const tile = page.locator('[data-app="e2e-terminal"]');
    await tile.waitFor({ timeout: 30_000 });
    await tile.click();

    const entry = page.locator('.running-app', { hasText: 'E2E Terminal' });
    await entry.waitFor({ timeout: 30_000 });
    const session = (await entry.getAttribute('data-session'))!;
    expect(await kubectl('get', 'pod', '-n', 'kubedesk-apps', session, '-o', 'name')).toBe(`pod/${session}\n`);

    await expect.poll(() => entry.getAttribute('data-phase'), { timeout: 60_000 }).toBe('running');
    const [window] = await windowIds(screen.display, marker);
    expect(window).toBeDefined();

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/apps-taskbar.png' });

    // The preview shows the white terminal where the screen has it.
    const geometry = await xdotool(screen.display, ['getwindowgeometry', '--shell', window!]);
    const x = Number(/X=(\d+)/.exec(geometry)![1]) + 60;
    const y = Number(/Y=(\d+)/.exec(geometry)![1]) + 60;
    await page.getByRole('button', { name: 'Screen preview' }).click();
    const preview = page.locator('img.screen-preview');
    await preview.waitFor({ timeout: 15_000 });
    await page.evaluate(() => {
      const image = document.querySelector<HTMLImageElement>('img.screen-preview')!;
      image.dataset.screenWidth = String(
        image
          .closest('section')
          ?.querySelector('.panel-subtitle')
          ?.textContent?.match(/(\d+)×/)?.[1] ?? '',
      );
    });
    const [red, green, blue] = await previewPixel(page, x, y);
    expect(Math.min(red!, green!, blue!)).toBeGreaterThan(200);
    await page.screenshot({ path: 'test-results/apps-preview.png' });
    await page.getByRole('button', { name: 'Screen preview' }).click();
  });

  it('closes after asking: the window and the pod go away', async () => {
    const entry = page.locator('.running-app', { hasText: 'E2E Terminal' });
    const session = (await entry.getAttribute('data-session'))!;
    await page.getByRole('button', { name: 'close E2E Terminal' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Close app' }).click();

    await expect.poll(() => windowIds(screen.display, marker), { timeout: 20_000 }).toHaveLength(0);
    await expect
      .poll(() => kubectl('get', 'pod', '-n', 'kubedesk-apps', session, '--ignore-not-found', '-o', 'name'), {
        timeout: 30_000,
      })
      .toBe('');
    await expect.poll(() => entry.count(), { timeout: 10_000 }).toBe(0);
  });
});
