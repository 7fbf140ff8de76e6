/**
 * Idle stop: a session none of whose windows has had the focus for its app's idle timeout is
 * stopped, its pod deleted; one in use is not. Minutes are shortened to one second here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../host/index.js';
import { installDesktopApp, removeDesktopApps } from '../../test/support/apps.js';
import { kubeconfigPath, kubectl } from '../../test/support/kube.js';
import { startXSession, type XSession } from '../../test/support/xsession.js';

const MINUTE_MS = 1_000;

describe('idle sessions', () => {
  let screen: XSession;
  let host: Host;

  beforeAll(async () => {
    screen = await startXSession({ first: 80, last: 89 });
    await installDesktopApp('idle-terminal', {
      displayName: 'Idle Terminal',
      image: 'xterm:test',
      command: ['xterm', '-T', 'idle-terminal'],
      idleTimeoutMinutes: 2,
    });
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: screen.display,
      metrics: false,
      apps: { idleMinuteMs: MINUTE_MS, housekeepingMs: 200 },
    });
  });

  afterAll(async () => {
    await host?.dispose();
    await removeDesktopApps('idle-terminal');
    await screen?.stop();
  });

  it('keeps a session in use, and stops it once another window has had the focus for its timeout', async () => {
    await expect.poll(async () => (await host.api.apps.catalog()).apps.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const { id } = await host.api.apps.launch('idle-terminal');
    const session = async () => (await host.api.apps.sessions()).find((entry) => entry.id === id);
    await expect.poll(async () => (await session())?.windows[0]?.focused, { timeout: 60_000 }).toBe(true);

    // In use (focused) for three times its timeout: still there.
    await new Promise((resolve) => setTimeout(resolve, 3 * 2 * MINUTE_MS));
    expect((await session())?.phase).toBe('running');

    // Another window takes the focus; after the timeout the session goes, and its pod.
    await screen.keylogApp('elsewhere');
    await expect.poll(async () => (await session())?.windows[0]?.focused, { timeout: 10_000 }).toBe(false);
    await expect
      .poll(() => kubectl('get', 'pod', '-n', 'kubedesk-apps', id, '--ignore-not-found', '-o', 'name'), {
        timeout: 30_000,
      })
      .toBe('');
  });
});
