/**
 * Reliability: the API server is stopped and started again 20 times while the shell runs an
 * app. After every restart the views recover by themselves (the cluster live again, every node
 * once), and the app's session is neither lost nor doubled: same session, same window, same
 * app process. Prints its figures.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeRequest } from '../../src/cluster/index.js';
import type { ClusterStatus, NodeSummary, Update } from '../../src/contract/index.js';
import { createHost, type Host } from '../../src/host/index.js';
import { restartApiServer } from '../../src/localcluster/index.js';
import { installDesktopApp, removeDesktopApps } from '../support/apps.js';
import { adminConfig, kubeconfigPath, kubectl, localCluster } from '../support/kube.js';
import { startXSession, xdotool, type XSession } from '../support/xsession.js';

const run = promisify(execFile);
const RESTARTS = 20;
/** Long enough that every watch breaks and every retry meets a refused connection first. */
const DOWN_MS = 1_000;

describe('the API server restarted 20 times during a session', () => {
  let screen: XSession;
  let host: Host;
  const nodes = new Map<string, NodeSummary>();
  let status: ClusterStatus['state'] = 'connecting';

  beforeAll(async () => {
    screen = await startXSession({ first: 80, last: 89 });
    await installDesktopApp('steady-terminal', {
      displayName: 'Steady',
      image: 'xterm:test',
      command: ['xterm', '-T', 'steady-terminal'],
    });
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: screen.display,
      metrics: false,
    });
    host.api.cluster.onStatus((next) => (status = next.state));
    host.api.cluster.onNodes((update: Update<NodeSummary>) => {
      if (update.kind === 'snapshot') {
        nodes.clear();
      }
      for (const node of update.kind === 'snapshot' ? update.items : update.upserts) {
        nodes.set(node.name, node);
      }
      for (const name of update.kind === 'delta' ? update.removals : []) {
        nodes.delete(name);
      }
    });
  });

  afterAll(async () => {
    await host?.dispose();
    await kubectl(
      'delete',
      'pods',
      '-n',
      'kubedesk-apps',
      '-l',
      'kubedesk.io/app=steady-terminal',
      '--wait=false',
    ).catch(() => undefined);
    await removeDesktopApps('steady-terminal');
    await screen?.stop();
  });

  it('recovers every time, losing and doubling nothing', { timeout: 15 * 60_000 }, async () => {
    await expect.poll(async () => (await host.api.apps.catalog()).apps.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const { id } = await host.api.apps.launch('steady-terminal');
    const sessions = () => host.api.apps.sessions();
    await expect
      .poll(async () => (await sessions()).find((entry) => entry.id === id)?.phase, { timeout: 60_000 })
      .toBe('running');
    const window = (await sessions()).find((entry) => entry.id === id)!.windows[0]!.id;
    const appPid = (await run('pgrep', ['-f', '-n', 'xterm -T steady-terminal'])).stdout.trim();
    const expectedNodes = (
      await kubeRequest<{ items: { metadata: { name: string } }[] }>(adminConfig(), { path: '/api/v1/nodes' })
    ).items
      .map((node) => node.metadata.name)
      .sort();

    let survived = 0;
    let lost = 0;
    let doubled = 0;
    const recoveries: number[] = [];
    for (let restart = 1; restart <= RESTARTS; restart++) {
      await restartApiServer(localCluster().directory, { downForMs: DOWN_MS });
      const back = performance.now();
      await expect.poll(() => status, { timeout: 60_000, interval: 50 }).toBe('live');
      await expect.poll(() => [...nodes.keys()].sort(), { timeout: 30_000 }).toEqual(expectedNodes);
      recoveries.push(performance.now() - back);
      const now = await sessions();
      const mine = now.filter((entry) => entry.id === id);
      lost += mine.length === 0 ? 1 : 0;
      doubled += now.length > 1 ? 1 : 0;
      if (mine.length === 1 && mine[0]!.phase === 'running' && mine[0]!.windows.some((entry) => entry.id === window)) {
        survived++;
      }
    }
    const onScreen = await xdotool(screen.display, ['search', '--onlyvisible', '--name', 'steady-terminal']);
    const pidAfter = (await run('pgrep', ['-f', '-n', 'xterm -T steady-terminal'])).stdout.trim();
    const slowest = Math.round(Math.max(...recoveries));
    process.stdout.write(
      `reliability: ${survived}/${RESTARTS} API server restarts survived, sessions lost ${lost}, doubled ${doubled}, ` +
        `view live again at most ${slowest} ms after the API server was back\n`,
    );
    expect({ survived, lost, doubled }).toEqual({ survived: RESTARTS, lost: 0, doubled: 0 });
    expect(onScreen.split('\n')).toContain(String(window));
    expect(pidAfter).toBe(appPid);
  });
});
