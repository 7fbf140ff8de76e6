/**
 * Reliability: an app's xpra server dies (SIGKILL, as an out-of-memory kill would do it). The
 * taskbar entry ends cleanly: the session says the app crashed and offers a retry, its window
 * and its attach go away instead of retrying for ever, and closing it deletes the pod.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type Host } from '../../src/host/index.js';
import { installDesktopApp, removeDesktopApps } from '../support/apps.js';
import { kubeconfigPath, kubectl } from '../support/kube.js';
import { startXSession, xdotool, type XSession } from '../support/xsession.js';

const run = promisify(execFile);

async function pids(pattern: string): Promise<string[]> {
  const { stdout } = await run('pgrep', ['-f', pattern]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

describe('an app whose xpra server is killed', () => {
  let screen: XSession;
  let host: Host;

  beforeAll(async () => {
    screen = await startXSession({ first: 80, last: 89 });
    await installDesktopApp('fragile-terminal', {
      displayName: 'Fragile',
      image: 'xterm:test',
      command: ['xterm', '-T', 'fragile-terminal'],
    });
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: screen.display,
      metrics: false,
    });
  });

  afterAll(async () => {
    await host?.dispose();
    await removeDesktopApps('fragile-terminal');
    await screen?.stop();
  });

  it('ends the taskbar entry cleanly: crashed, retry offered, window and attach gone, close deletes the pod', async () => {
    await expect.poll(async () => (await host.api.apps.catalog()).apps.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const { id } = await host.api.apps.launch('fragile-terminal');
    const session = async () => (await host.api.apps.sessions()).find((entry) => entry.id === id);
    await expect.poll(async () => (await session())?.phase, { timeout: 60_000 }).toBe('running');
    const pod = JSON.parse(await kubectl('get', 'pod', '-n', 'kubedesk-apps', id, '-o', 'json')) as {
      status: { podIP: string };
    };

    const servers = await pids(`xpra start --bind-tcp=${pod.status.podIP}:14500`);
    expect(servers.length).toBeGreaterThan(0);
    await run('kill', ['-KILL', ...servers]);

    await expect.poll(async () => (await session())?.phase, { timeout: 30_000 }).toBe('failed');
    const failed = (await session())!;
    expect(failed.message).toMatch(/crashed/);
    expect(failed.retryable).toBe(true);
    await expect
      .poll(() => xdotool(screen.display, ['search', '--name', 'fragile-terminal']).catch(() => ''), {
        timeout: 15_000,
      })
      .toBe('');
    await expect.poll(() => pids(`attach tcp://${pod.status.podIP}:14500`), { timeout: 15_000 }).toEqual([]);

    await host.api.apps.stop(id);
    await expect
      .poll(() => kubectl('get', 'pod', '-n', 'kubedesk-apps', id, '--ignore-not-found', '-o', 'name'), {
        timeout: 30_000,
      })
      .toBe('');
    await expect.poll(async () => (await session()) === undefined, { timeout: 10_000 }).toBe(true);
  });
});
