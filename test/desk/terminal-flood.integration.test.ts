/**
 * Ctrl-C during a flood, as a person sees it: a `cat` of a big file on pi-3 (through the exec
 * path) is interrupted, and the prompt comes back without the rest of the file being drawn
 * first; the shell is usable at once. bench:terminal measures how fast.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, packageRoot, startWebHost, type Host, type WebHost } from '../../src/host/index.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { kubeconfigPath, kubectl, localCluster } from '../support/kube.js';
import { screenText, typeLine } from '../support/terminal.js';

const EXEC_NODE = 'pi-3';
/** Far more than the flow control lets through in the second before the Ctrl-C. */
const FLOOD_LINES = 400_000;
const LAST_LINE = `last-line-of-the-flood`;

describe('Ctrl-C during a flood of output', () => {
  let host: Host;
  let web: WebHost;
  let chromium: LaunchedBrowser;
  let page: Page;
  const file = join(localCluster().directory, 'nodes', EXEC_NODE, 'kubedesk-flood.txt');

  beforeAll(async () => {
    const lines = Array.from({ length: FLOOD_LINES }, (_, index) => `flood line ${index} ${'x'.repeat(60)}`);
    await writeFile(file, `${lines.join('\n')}\n${LAST_LINE}\n`);
    await kubectl('apply', '-f', 'deploy/agent.yaml');
    await kubectl('rollout', 'status', 'daemonset/kubedesk-agent', '-n', 'kubedesk-system', '--timeout=60s');
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: null,
      metrics: false,
      terminal: { stateDirectory: join(localCluster().directory, 'terminal-flood-state'), enterHost: [] },
    });
    web = await startWebHost({
      api: host.api,
      openPeer: host.openPeer,
      pairing: host.pairing,
      staticDir: join(packageRoot(), 'dist', 'renderer'),
      port: 0,
    });
    chromium = await launchChromium();
    page = await chromium.browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(web.url);
  });

  afterAll(async () => {
    await chromium?.close();
    await web?.close();
    await host?.dispose();
    await rm(file, { force: true });
  });

  it('brings the prompt back without drawing the rest of the file', async () => {
    await page.getByRole('button', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'Open a terminal on pi-1' }).click();
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/@pi-1:/);
    await page.getByLabel('node').selectOption(EXEC_NODE);
    await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(new RegExp(`@${EXEC_NODE}:`));

    await typeLine(page, `cat ${file}`);
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/^flood line \d+ x+$/m);
    await page.keyboard.press('Control+C');
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/\^C \[output skipped\]/);
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(new RegExp(`@${EXEC_NODE}:.*[$#]\\s*$`));
    // The shell answers at once, and the end of the file was never drawn.
    await typeLine(page, 'echo answer-$((20+22))');
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/^answer-42\s*$/m);
    expect(await screenText(page)).not.toContain(LAST_LINE);
  });
});
