/**
 * A node shell left idle stays alive. Between the host and the API server sits a real TCP proxy
 * that cuts any connection quiet for IDLE_CUT_MS, standing in for the idle timeouts of the API
 * server, load balancers and NAT (minutes in the field, seconds here so the test is quick). With
 * the exec keep-alive pinging more often than that, a tab idle for ten times the cut-off still
 * has the very same shell; with pings rarer than the cut-off, the proxy does cut the exec and the
 * tab says "reconnecting" and comes back, which shows it is the pings that keep it alive.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHost, packageRoot, startWebHost, type Host, type WebHost } from '../../src/host/index.js';
import { launchChromium, type LaunchedBrowser } from '../support/browser.js';
import { adminConfig, kubeconfigPath, kubectl } from '../support/kube.js';
import { screenText, typeLine } from '../support/terminal.js';

/** The proxy closes a connection that carried no byte either way for this long. */
const IDLE_CUT_MS = 3_000;
/** The idle stretch: ten times the cut-off, the test's stand-in for ten minutes. */
const IDLE_MS = 10 * IDLE_CUT_MS;
/** Pings well inside the cut-off keep the exec alive. */
const KEEPALIVE_SHORT_MS = 1_000;
/** Pings rarer than the cut-off: the proxy cuts the exec before the first one. */
const KEEPALIVE_LONG_MS = 60_000;
const EXEC_NODE = 'pi-3';

/** A TCP proxy to the API server that closes connections idle for `idleMs`; counts the cuts. */
async function startIdleCuttingProxy(target: { host: string; port: number }, idleMs: number) {
  const sockets = new Set<Socket>();
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A socket's timeout restarts with every byte read or written: only a quiet connection is cut.
    client.setTimeout(idleMs, () => {
      cuts++;
      drop();
    });
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cuts: () => cuts,
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
  };
}

/** The shell's process id, as `echo` prints it after `label=`. */
async function shellPid(page: Page, label: string): Promise<string> {
  await typeLine(page, `clear; echo ${label}=$$`);
  let pid = '';
  await expect
    .poll(
      async () => {
        pid = new RegExp(`^${label}=(\\d+)\\s*$`, 'm').exec(await screenText(page))?.[1] ?? '';
        return pid;
      },
      { timeout: 20_000 },
    )
    .not.toBe('');
  return pid;
}

describe('an idle node shell behind a proxy that cuts quiet connections', () => {
  let folder: string;
  let proxy: Awaited<ReturnType<typeof startIdleCuttingProxy>>;
  let chromium: LaunchedBrowser;
  let host: Host | undefined;
  let web: WebHost | undefined;
  const pages: Page[] = [];

  beforeAll(async () => {
    await kubectl('apply', '-f', 'deploy/agent.yaml');
    await kubectl('rollout', 'status', 'daemonset/kubedesk-agent', '-n', 'kubedesk-system', '--timeout=60s');
    const server = new URL(adminConfig().getCurrentCluster()!.server);
    proxy = await startIdleCuttingProxy({ host: server.hostname, port: Number(server.port) }, IDLE_CUT_MS);
    folder = await mkdtemp(join(tmpdir(), 'kubedesk-terminal-idle-'));
    const kubeconfig = (await readFile(kubeconfigPath(), 'utf8')).replace(
      server.origin,
      `https://127.0.0.1:${proxy.port}`,
    );
    await writeFile(join(folder, 'kubeconfig'), kubeconfig);
    chromium = await launchChromium();
  });

  afterEach(async () => {
    for (const page of pages.splice(0)) {
      await page.close();
    }
    await web?.close();
    await host?.dispose();
    web = undefined;
    host = undefined;
  });

  afterAll(async () => {
    await chromium?.close();
    await proxy?.close();
    await rm(folder, { recursive: true, force: true });
  });

  /** A host whose cluster traffic goes through the proxy; a page with one tab moved to pi-3. */
  async function openExecTab(keepaliveMs: number): Promise<Page> {
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: join(folder, 'kubeconfig') },
      display: null,
      metrics: false,
      terminal: { stateDirectory: join(folder, `state-${keepaliveMs}`), enterHost: [], keepaliveMs },
    });
    web = await startWebHost({
      api: host.api,
      openPeer: host.openPeer,
      pairing: host.pairing,
      staticDir: join(packageRoot(), 'dist', 'renderer'),
      port: 0,
    });
    const page = await chromium.browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(web.url);
    await page.getByRole('button', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'Open a terminal on pi-1' }).click();
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/@pi-1:/);
    await page.getByLabel('node').selectOption(EXEC_NODE);
    await expect.poll(() => screenText(page), { timeout: 30_000 }).toMatch(new RegExp(`@${EXEC_NODE}:`));
    // Every state the tab shows from here on, however briefly, as a person watching would see it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { terminalStates: string[] }).terminalStates = seen;
      const view = document.querySelector<HTMLElement>('.terminal-view:not([hidden])')!;
      const status = view.querySelector('.terminal-status')!;
      new MutationObserver(() => seen.push(`${view.dataset.state ?? ''}: ${status.textContent ?? ''}`)).observe(view, {
        attributes: true,
        attributeFilter: ['data-state'],
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    pages.push(page);
    return page;
  }

  function tabState(page: Page): Promise<string | null> {
    return page.locator('.terminal-view:not([hidden])').getAttribute('data-state');
  }

  /** The tab's states and status lines seen since the tab reached the exec node, as "state: text". */
  function statesSeen(page: Page): Promise<string[]> {
    return page.evaluate(() => (window as unknown as { terminalStates: string[] }).terminalStates);
  }

  it('keeps the same shell through ten times the idle cut-off when the exec is pinged', async () => {
    const page = await openExecTab(KEEPALIVE_SHORT_MS);
    const before = await shellPid(page, 'before');
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    expect(await shellPid(page, 'after')).toBe(before);
    expect((await statesSeen(page)).filter((seen) => /reconnecting/.test(seen))).toEqual([]);
    await expect.poll(() => tabState(page), { timeout: 20_000 }).toBe('open');
  });

  it('without pings inside the cut-off, the exec is cut: the tab says reconnecting and comes back', async () => {
    const page = await openExecTab(KEEPALIVE_LONG_MS);
    const cutsBefore = proxy.cuts();
    const before = await shellPid(page, 'before');
    await expect
      .poll(async () => (await statesSeen(page)).some((seen) => /^reconnecting: .*reconnecting…/.test(seen)), {
        timeout: 4 * IDLE_CUT_MS,
      })
      .toBe(true);
    expect(proxy.cuts()).toBeGreaterThan(cutsBefore);
    await expect.poll(() => tabState(page), { timeout: 20_000 }).toBe('open');
    // A new shell (no persistent mode): it answers, with a new process id.
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(new RegExp(`@${EXEC_NODE}:`));
    expect(await shellPid(page, 'after')).not.toBe(before);
  });
});
