import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSession } from '../contract/index.js';
import { createHost, type Host } from '../host/index.js';
import { kubeRequest } from '../cluster/index.js';
import { adminConfig, kubeconfigPath, kubectl } from '../../test/support/kube.js';
import { startXSession, xdotool, type XSession } from '../../test/support/xsession.js';

const run = promisify(execFile);

/** The app tests' own X displays. */
const APP_DISPLAYS = { first: 80, last: 89 };

async function windowsNamed(display: string, name: string): Promise<string[]> {
  const found = await xdotool(display, ['search', '--onlyvisible', '--name', name]).catch(() => '');
  return found.split('\n').filter((line) => line.trim() !== '');
}

async function appProcess(marker: string): Promise<string> {
  const { stdout } = await run('pgrep', ['-f', '-n', `xterm -T ${marker}`]).catch(() => ({ stdout: '' }));
  return stdout.trim();
}

function sessionOf(host: Host, id: string): Promise<AppSession | undefined> {
  return host.api.apps.sessions().then((sessions) => sessions.find((session) => session.id === id));
}

describe('apps on the local cluster', () => {
  let screen: XSession;
  let host: Host | undefined;
  // A title full of shell metacharacters: it must arrive as one literal argument.
  const marker = `kd-${randomBytes(3).toString('hex')}`;
  const title = `${marker} $(touch /tmp/${marker}-pwned); \`id\` & "quoted" 'single'`;

  async function startHost(): Promise<Host> {
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: screen.display,
      metrics: false,
      log: (line) => process.stderr.write(`[host] ${line}\n`),
    });
    return host;
  }

  beforeAll(async () => {
    screen = await startXSession(APP_DISPLAYS);
    await kubectl('apply', '-f', 'deploy/crds/desktopapp.yaml');
    await kubectl('wait', '--for=condition=Established', 'crd/desktopapps.kubedesk.io', '--timeout=60s');
    const apps = [
      {
        apiVersion: 'kubedesk.io/v1alpha1',
        kind: 'DesktopApp',
        metadata: { name: 'test-terminal' },
        spec: { displayName: 'Test Terminal', image: 'xterm:test', command: ['xterm', '-T', title] },
      },
      {
        apiVersion: 'kubedesk.io/v1alpha1',
        kind: 'DesktopApp',
        metadata: { name: 'test-broken' },
        spec: { displayName: 'Broken', icon: 'Not An Icon!', image: 'x:1', command: ['x'] },
      },
    ];
    for (const app of apps) {
      await kubeRequest(adminConfig(), { method: 'POST', path: '/apis/kubedesk.io/v1alpha1/desktopapps', body: app });
    }
  });

  afterAll(async () => {
    await host?.dispose();
    await kubectl('delete', 'pods', '-n', 'kubedesk-apps', '--all', '--wait=false').catch(() => undefined);
    await kubectl('delete', 'desktopapps', 'test-terminal', 'test-broken', '--wait=false').catch(() => undefined);
    await screen?.stop();
  });

  it('loads the good catalog entries and says why the broken one was left out', async () => {
    const current = await startHost();
    await expect
      .poll(async () => (await current.api.apps.catalog()).apps.map((app) => app.id), { timeout: 30_000 })
      .toContain('test-terminal');
    const catalog = await current.api.apps.catalog();
    expect(catalog.apps.map((app) => app.id)).not.toContain('test-broken');
    expect(catalog.problems).toContainEqual({ id: 'test-broken', message: expect.stringMatching(/spec\.icon/) });
  });

  let session = '';
  it('launches an app as a pod and shows its window on the screen', async () => {
    const current = host!;
    const launched = await current.api.apps.launch('test-terminal');
    session = launched.id;
    expect(['scheduling', 'starting', 'attaching']).toContain(launched.phase);

    const pod = JSON.parse(await kubectl('get', 'pod', '-n', 'kubedesk-apps', session, '-o', 'json')) as {
      metadata: { labels: Record<string, string> };
      spec: { securityContext: { runAsNonRoot: boolean } };
    };
    expect(pod.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'kubedesk',
      'kubedesk.io/app': 'test-terminal',
      'kubedesk.io/session': session,
    });
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);

    await expect
      .poll(async () => (await sessionOf(current, session))?.phase, { timeout: 60_000, interval: 250 })
      .toBe('running')
      .catch(async (error: unknown) => {
        process.stderr.write(
          await kubectl('logs', '-n', 'kubedesk-apps', session).catch((failure: Error) => failure.message),
        );
        process.stderr.write(JSON.stringify(await sessionOf(current, session)) + '\n');
        throw error;
      });
    const shown = await sessionOf(current, session);
    // The title arrived as one literal argument: no substitution ran, the quotes are all there.
    expect(shown?.windows[0]?.title).toBe(title);
    expect(await windowsNamed(screen.display, marker)).toHaveLength(1);
    await expect(run('test', ['-e', `/tmp/${marker}-pwned`])).rejects.toThrow();
  });

  it('keeps the app running across a restart of the host, and shows it again', async () => {
    const pid = await appProcess(marker);
    expect(pid).not.toBe('');
    await host!.dispose();
    host = undefined;
    // Detached: the window leaves the screen, the app stays.
    await expect.poll(() => windowsNamed(screen.display, marker), { timeout: 15_000 }).toHaveLength(0);
    expect(await appProcess(marker)).toBe(pid);

    const current = await startHost();
    await expect
      .poll(async () => (await sessionOf(current, session))?.phase, { timeout: 60_000, interval: 250 })
      .toBe('running');
    expect(await windowsNamed(screen.display, marker)).toHaveLength(1);
    expect(await appProcess(marker)).toBe(pid);
  });

  it('closes: the window goes, then the pod', async () => {
    const current = host!;
    await current.api.apps.stop(session);
    await expect.poll(() => windowsNamed(screen.display, marker), { timeout: 15_000 }).toHaveLength(0);
    await expect
      .poll(async () => kubectl('get', 'pod', '-n', 'kubedesk-apps', session, '--ignore-not-found', '-o', 'name'), {
        timeout: 30_000,
      })
      .toBe('');
    await expect.poll(() => appProcess(marker), { timeout: 15_000 }).toBe('');
    await expect.poll(async () => (await current.api.apps.sessions()).map((entry) => entry.id)).not.toContain(session);
  });
});
