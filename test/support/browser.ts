/**
 * Debian's Chromium, headless, driven by playwright-core.
 *
 * Launched as a Playwright browser server on 127.0.0.1 and connected to, rather than with
 * `chromium.launch`, because the server hands out its process: that process is tracked like every
 * other child of the tests (see processes.ts) and dies with the test process. Playwright gives it
 * a fresh temporary profile and removes it on close.
 */
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { track } from './processes.js';

export const CHROMIUM_PATH = process.env.KUBEDESK_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, headless Chromium: it talks to 127.0.0.1 and nothing else. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  // Any host other than localhost and 127.0.0.1 fails to resolve, so a stray request cannot leave the machine.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

/** How long Chromium may take to start: usually under a second, slower on a cold Pi. */
const LAUNCH_TIMEOUT_MS = 60_000;

export interface LaunchedBrowser {
  browser: Browser;
  /** Closes the browser and ends its process (SIGKILL if it does not go by itself). */
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const server: BrowserServer = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    host: '127.0.0.1',
    timeout: LAUNCH_TIMEOUT_MS,
  });
  const child = server.process();
  track(child);
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint(), { timeout: LAUNCH_TIMEOUT_MS });
  } catch (error) {
    await server.kill();
    throw error;
  }
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => server.kill());
      if (child.exitCode === null && child.signalCode === null) {
        await server.kill();
      }
    },
  };
}
