/**
 * The terminal as a person uses it: in Chromium against the web host, on the run's local
 * cluster with the node agent's DaemonSet on the four simulated Pis. pi-1 is the host's own node
 * (a local pty); pi-3 is reached by an exec into its agent's node shell.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, packageRoot, startWebHost, type Host, type WebHost } from '../../src/host/index.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { kubeconfigPath, kubectl } from '../support/kube.js';
import { screenText, typeLine } from '../support/terminal.js';

const run = promisify(execFile);

async function waitForText(page: Page, pattern: RegExp, timeout = 20_000): Promise<void> {
  await expect.poll(() => screenText(page), { timeout }).toMatch(pattern);
}

describe('the cluster-aware terminal in the shell, on the local cluster', () => {
  let host: Host;
  let web: WebHost;
  let chromium: LaunchedBrowser;
  let page: Page;
  let state: string;
  const marker = `kd${Date.now().toString(36)}`;
  const directory = join(tmpdir(), `kubedesk-roam-${marker}`);

  async function startHost(): Promise<void> {
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: null,
      metrics: false,
      // Simulated Pis: the exec already runs on the "host" (there is no PID 1 of a Pi to enter).
      terminal: { stateDirectory: state, enterHost: [] },
    });
    web = await startWebHost({
      api: host.api,
      openPeer: host.openPeer,
      pairing: host.pairing,
      staticDir: join(packageRoot(), 'dist', 'renderer'),
      port: webPort,
    });
    webPort = Number(new URL(web.url).port);
  }
  let webPort = 0;

  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), 'kubedesk-terminal-state-'));
    await kubectl('apply', '-f', 'deploy/agent.yaml');
    // Every Pi's node agent Running: the node shells the terminal execs into.
    await kubectl('rollout', 'status', 'daemonset/kubedesk-agent', '-n', 'kubedesk-system', '--timeout=60s');
    await startHost();
    chromium = await launchChromium();
    page = await chromium.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(web.url);
  });

  afterAll(async () => {
    await chromium?.close();
    await web?.close();
    await host?.dispose();
    await rm(state, { recursive: true, force: true });
    await rm(directory, { recursive: true, force: true });
  });

  it('moves a tab from pi-1 to pi-3 keeping the directory and the history', async () => {
    await page.getByRole('button', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'Open a terminal on pi-1' }).click();
    await waitForText(page, /@pi-1:/);
    await typeLine(page, `mkdir -p ${directory} && cd ${directory}`);
    await typeLine(page, `echo marked-${marker}`);
    await waitForText(page, new RegExp(`^marked-${marker}$`, 'm'));

    await page.getByLabel('node').selectOption('pi-3');
    await expect
      .poll(() => page.locator('.terminal-status').first().getAttribute('data-node'), { timeout: 20_000 })
      .toBe('pi-3');
    await waitForText(page, /@pi-3:/);
    await typeLine(page, 'clear; echo "node=$KUBEDESK_NODE"; pwd');
    await waitForText(page, /^node=pi-3$/m);
    await waitForText(page, new RegExp(`^${directory}$`, 'm'));
    // Arrow-up brings back the command typed on pi-1 (after the ones typed here).
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await waitForText(page, new RegExp(`@pi-3:.*[$#] echo marked-${marker}\\s*$`, 'm'));
    await page.keyboard.press('Control+C');
    // Wait for bash's fresh prompt: a Ctrl-R sent before readline is back is only echoed as ^R.
    await waitForText(page, /\^C\s*\n[^\n]*@pi-3:[^\n]*[$#]/);
    // Ctrl-R finds it too.
    await page.keyboard.press('Control+R');
    await page.keyboard.type(`marked-${marker}`);
    await waitForText(page, new RegExp(`reverse-i-search.*echo marked-${marker}`));
    await page.keyboard.press('Control+C');
    // No pod was created for the terminal.
    const pods = await kubectl('get', 'pods', '-A', '--no-headers');
    expect(
      pods
        .split('\n')
        .filter((line) => line.trim() !== '')
        .every((line) => !/shell-|debug/.test(line)),
    ).toBe(true);
  });

  it('keeps the history across a host restart', async () => {
    await web.close();
    await host.dispose();
    await startHost();
    // The page reconnects by itself and reopens its tab: a new shell on pi-3 with the same history.
    await expect
      .poll(
        async () => {
          await typeLine(page, 'clear');
          await new Promise((resolve) => setTimeout(resolve, 500));
          return screenText(page);
        },
        { timeout: 30_000 },
      )
      .not.toMatch(/marked-/);
    await waitForText(page, /@pi-3:/);
    await page.locator('.terminal-view:not([hidden]) .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+R');
    await page.keyboard.type(`marked-${marker}`);
    await waitForText(page, new RegExp(`reverse-i-search.*echo marked-${marker}`));
    await page.keyboard.press('Control+C');
  });

  it('kubedesk kps lists host processes of all four Pis with their NODE', async () => {
    // The dist build (npm run build) is what `kubedesk` runs.
    const { stdout } = await run(
      process.execPath,
      [
        join(packageRoot(), 'bin', 'kubedesk.js'),
        'kps',
        '--no-enter',
        '--sort',
        'node',
        '--kubeconfig',
        kubeconfigPath(),
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const [header, ...rows] = stdout.trim().split('\n');
    expect(header).toMatch(/^NODE\s+PID\s+USER\s+%CPU/);
    const nodes = new Set(rows.map((row) => row.split(/\s+/)[0]));
    expect([...nodes].sort()).toEqual(['pi-1', 'pi-2', 'pi-3', 'pi-4']);
    // Each node's own `ps` is among its rows: the NODE column names the node that answered.
    for (const node of nodes) {
      expect(rows.some((row) => row.startsWith(`${node} `) && / ps -e -ww /.test(row))).toBe(true);
    }
  });
});
