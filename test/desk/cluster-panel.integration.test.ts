/**
 * The cluster panel as a person sees it, on the run's local cluster: four Pis, one of them hot;
 * and a bad kubeconfig said in words in the panel.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeRequest } from '../../src/cluster/index.js';
import { createHost, packageRoot, startWebHost, type Host, type WebHost } from '../../src/host/index.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { adminConfig, kubeconfigPath } from '../support/kube.js';
import { kubedeskBin, track } from '../support/processes.js';

const TEMPERATURES: Record<string, string> = { 'pi-1': '51.3', 'pi-2': '63.8', 'pi-3': '78.4', 'pi-4': '47.9' };

async function serveShell(kubeconfig: string): Promise<{ host: Host; web: WebHost }> {
  const host = await createHost({
    host: 'web',
    nodeName: 'pi-1',
    kubeconfig: { path: kubeconfig },
    display: null,
    metrics: false,
  });
  const web = await startWebHost({ api: host.api, staticDir: join(packageRoot(), 'dist', 'renderer'), port: 0 });
  return { host, web };
}

describe('the cluster panel in Chromium', () => {
  let chromium: LaunchedBrowser;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    for (const [node, celsius] of Object.entries(TEMPERATURES)) {
      await kubeRequest(adminConfig(), {
        method: 'PATCH',
        path: `/api/v1/nodes/${node}`,
        body: {
          metadata: {
            annotations: {
              'kubedesk.io/temperature': celsius,
              'kubedesk.io/model':
                node === 'pi-1' ? 'Raspberry Pi 3 Model B Plus Rev 1.3' : 'Raspberry Pi 4 Model B Rev 1.4',
            },
          },
        },
      });
    }
    chromium = await launchChromium();
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) {
      await stop();
    }
    await chromium?.close();
  });

  async function open(url: string): Promise<Page> {
    const page = await chromium.browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(url);
    await page.getByRole('button', { name: 'cluster status' }).click();
    return page;
  }

  it('shows a card per Pi, the hot one in red, live', async () => {
    const { host, web } = await serveShell(kubeconfigPath());
    stops.push(async () => {
      await web.close();
      await host.dispose();
    });
    const page = await open(web.url);
    for (const node of Object.keys(TEMPERATURES)) {
      await page.locator(`[data-node="${node}"]`).waitFor({ timeout: 30_000 });
    }
    expect(await page.locator('[data-node="pi-3"]').getAttribute('data-heat')).toBe('hot');
    expect(await page.locator('[data-node="pi-2"]').getAttribute('data-heat')).toBe('warm');
    expect(await page.locator('[data-node="pi-1"]').getAttribute('data-heat')).toBe('cool');
    await expect.poll(() => page.locator('[data-cluster-state]').getAttribute('data-cluster-state')).toBe('live');
    await expect.poll(() => page.locator('[data-node="pi-3"] .temperature').textContent()).toContain('78.4');
    await page.locator('[data-node="pi-3"]').click();
    await page.locator('[aria-label="details of pi-3"]').waitFor();
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/cluster-panel.png' });
    if (process.env.KUBEDESK_DOCS_IMAGES === '1') {
      // The README's picture is renewed on request only: a test run leaves docs/ alone.
      await page.screenshot({ path: join(packageRoot(), 'docs', 'images', 'cluster.png') });
    }
  });

  it('says what is wrong with a bad kubeconfig, naming the file and the field', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kubedesk-bad-kubeconfig-'));
    const bad = join(folder, 'kubeconfig');
    await writeFile(
      bad,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: pis\n  cluster: { server: "127.0.0.1:6443" }\nusers:\n- name: me\n  user: {}\ncontexts:\n- name: home\n  context: { cluster: pis, user: me }\ncurrent-context: home\n',
    );
    const { host, web } = await serveShell(bad);
    stops.push(async () => {
      await web.close();
      await host.dispose();
      await rm(folder, { recursive: true, force: true });
    });
    const page = await open(web.url);
    const alert = page.locator('.cluster-error');
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).toContain(`kubeconfig ${bad}: clusters.0.cluster.server: must be an http(s) URL`);

    // The command line says the same.
    const serve = spawn(process.execPath, [kubedeskBin, 'serve', '--port', '0', '--display', 'none'], {
      env: { ...process.env, KUBECONFIG: bad },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    track(serve);
    let stderr = '';
    serve.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await expect.poll(() => stderr, { timeout: 15_000 }).toContain(`kubeconfig ${bad}: clusters.0.cluster.server`);
    serve.kill('SIGTERM');
  });
});
