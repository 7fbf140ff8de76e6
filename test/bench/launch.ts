/**
 * How long from the launch of an app to its window on the display node's screen, on the local
 * cluster: cold (a new pod: scheduling, the pod runner starting xpra around the app, the attach)
 * and from the warm pool (a pod already started, taken and attached). In the same run, the manual
 * path for the same app: `xpra start` plus `xpra attach` by hand, to the window. Targets: cold at
 * most 1.3 × the manual path, warm at most 0.5 s.
 *
 * `npm run bench:launch`. Starts its own cluster and X screen and stops them. Prints each
 * measurement, then one line of JSON in milliseconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeRequest, loadKubeconfig } from '../../src/cluster/index.js';
import type { AppSession } from '../../src/contract/index.js';
import { createHost, type Host } from '../../src/host/index.js';
import { ensureClusterBinaries, startCluster, stopCluster } from '../../src/localcluster/index.js';
import { WindowTracker } from '../../src/apps/index.js';
import { XPRA_ATTACH_OPTIONS, XPRA_SERVER_OPTIONS } from '../../src/apps/xpra.js';
import { findFreePortBase } from '../support/ports.js';
import { freePort, track } from '../support/processes.js';
import { startXSession } from '../support/xsession.js';

const RUNS = 5;
/** Away from the default cluster, the test runs and the other benchmarks. */
const PORT_BASE_RANGE = [35_000, 36_000] as const;
const ADDRESS_BLOCK = 243;
const SCREENS = { first: 90, last: 99 };
const WINDOW_TIMEOUT_MS = 60_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = WINDOW_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves when the session reaches `running` (its window is on the screen), with the time. */
function whenRunning(host: Host, id: () => string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no window within the time limit')), WINDOW_TIMEOUT_MS);
    const subscription = host.api.apps.onSessions((sessions: AppSession[]) => {
      const session = sessions.find((entry) => entry.id === id());
      if (session?.phase === 'running' && session.windows.length > 0) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(performance.now());
      }
    });
  });
}

async function launchOnce(host: Host, app: string): Promise<number> {
  // Listening before the launch: a warm start can show its window before launch() returns.
  const launched: { id?: string } = {};
  const shown = whenRunning(host, () => launched.id);
  const start = performance.now();
  launched.id = (await host.api.apps.launch(app)).id;
  const end = await shown;
  await host.api.apps.stop(launched.id);
  return end - start;
}

/** The manual path: an xpra server around the same xterm, then an attach, to the window. */
async function manualOnce(display: string, tracker: WindowTracker, folder: string): Promise<number> {
  const port = await freePort();
  const title = `manual-${randomBytes(3).toString('hex')}`;
  const password = join(folder, 'password');
  await writeFile(password, 'benchmark-password', { mode: 0o600 });
  await mkdir(join(folder, 'xdg', 'xpra'), { recursive: true });
  await writeFile(join(folder, 'xdg', 'xpra', 'xpra.conf'), 'start = /bin/true\n');
  const env = { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin', XDG_CONFIG_DIRS: join(folder, 'xdg') };
  const children: ChildProcess[] = [];
  const start = performance.now();
  const server = spawn(
    'xpra',
    [
      'start',
      `--bind-tcp=127.0.0.1:${port}`,
      `--tcp-auth=file:filename=${password}`,
      `--start-child=xterm -T ${title}`,
      `--socket-dir=${folder}`,
      `--socket-dirs=${folder}`,
      ...XPRA_SERVER_OPTIONS,
    ],
    { env, stdio: 'ignore' },
  );
  track(server);
  children.push(server);
  // By hand one retries the attach until the server answers; so does this.
  const windowShown = until('the manual window', () =>
    tracker.windows().some((window) => window.title.startsWith(title)),
  );
  let attached = false;
  while (!attached) {
    const attach = spawn(
      'xpra',
      ['attach', `tcp://127.0.0.1:${port}/`, `--password-file=${password}`, ...XPRA_ATTACH_OPTIONS],
      { env: { ...env, DISPLAY: display }, stdio: 'ignore' },
    );
    track(attach);
    children.push(attach);
    const outcome = await Promise.race([
      windowShown.then(() => 'window' as const),
      new Promise<'exit'>((resolve) => attach.once('exit', () => resolve('exit'))),
    ]);
    attached = outcome === 'window';
    if (!attached) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const elapsed = performance.now() - start;
  for (const child of children.reverse()) {
    child.kill('SIGTERM');
  }
  await until(
    'the manual window to go',
    () => !tracker.windows().some((window) => window.title.startsWith(title)),
    20_000,
  );
  return elapsed;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const binaries = await ensureClusterBinaries({ onProgress: log });
  const directory = await mkdtemp(join(tmpdir(), 'kubedesk-bench-launch-'));
  const screen = await startXSession(SCREENS);
  let host: Host | undefined;
  let tracker: WindowTracker | undefined;
  try {
    const cluster = await startCluster({
      binaries,
      directory,
      nodes: 4,
      portBase: await findFreePortBase(...PORT_BASE_RANGE),
      addressBlock: ADDRESS_BLOCK,
    });
    const config = loadKubeconfig({ path: cluster.kubeconfig }).config;
    const crd = await import('node:fs/promises').then((fs) =>
      fs.readFile(join('deploy', 'crds', 'desktopapp.yaml'), 'utf8'),
    );
    const { parse } = await import('yaml');
    await kubeRequest(config, {
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: parse(crd),
    });
    await until('the DesktopApp CRD', async () =>
      kubeRequest(config, { path: '/apis/kubedesk.io/v1alpha1/desktopapps' }).then(
        () => true,
        () => false,
      ),
    );
    for (const [name, pool] of [
      ['bench-cold', 0],
      ['bench-warm', 1],
    ] as const) {
      await kubeRequest(config, {
        method: 'POST',
        path: '/apis/kubedesk.io/v1alpha1/desktopapps',
        body: {
          apiVersion: 'kubedesk.io/v1alpha1',
          kind: 'DesktopApp',
          metadata: { name },
          spec: { displayName: name, image: 'xterm:bench', command: ['xterm', '-T', name], warmPoolSize: pool },
        },
      });
    }
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: cluster.kubeconfig },
      display: screen.display,
      metrics: false,
    });
    await until('the catalog', async () => (await host!.api.apps.catalog()).apps.length === 2);

    const cold: number[] = [];
    const warm: number[] = [];
    const manual: number[] = [];
    // One launch of each first, not counted: the first xpra of a run pays for Python's imports from disk.
    await launchOnce(host, 'bench-cold');
    for (let run = 0; run < RUNS; run++) {
      cold.push(await launchOnce(host, 'bench-cold'));
      log(`cold launch ${run + 1}: ${cold.at(-1)!.toFixed(0)} ms`);
    }
    for (let run = 0; run < RUNS; run++) {
      // Wait for the pool to be refilled and its pod to be up, as it would be when a person clicks.
      await until('a warm pod', async () => {
        const pods = await kubeRequest<{ items: { status?: { phase?: string } }[] }>(config, {
          path: '/api/v1/namespaces/kubedesk-apps/pods?labelSelector=kubedesk.io%2Fpool%3Dwarm',
        });
        return pods.items.some((pod) => pod.status?.phase === 'Running');
      });
      // The pool's xpra needs its display up before an attach can show anything.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      warm.push(await launchOnce(host, 'bench-warm'));
      log(`warm launch ${run + 1}: ${warm.at(-1)!.toFixed(0)} ms`);
    }
    tracker = await WindowTracker.open(screen.display);
    const folder = await mkdtemp(join(tmpdir(), 'kubedesk-bench-manual-'));
    for (let run = 0; run < RUNS; run++) {
      manual.push(await manualOnce(screen.display, tracker, folder));
      log(`xpra start + attach by hand ${run + 1}: ${manual.at(-1)!.toFixed(0)} ms`);
    }
    await rm(folder, { recursive: true, force: true });
    const result = {
      cold_p50_ms: Math.round(median(cold)),
      warm_p50_ms: Math.round(median(warm)),
      manual_xpra_p50_ms: Math.round(median(manual)),
      cold_to_manual_ratio: Number((median(cold) / median(manual)).toFixed(2)),
      cold_target_ratio: 1.3,
      warm_target_ms: 500,
      runs: RUNS,
    };
    log(
      `\ncold ${result.cold_p50_ms} ms (${result.cold_to_manual_ratio} × by hand, target 1.3), warm ${result.warm_p50_ms} ms (target 500), by hand ${result.manual_xpra_p50_ms} ms`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await tracker?.close();
    await host?.dispose();
    await stopCluster(directory, { binaries }).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
    await screen.stop();
  }
}

await main();
