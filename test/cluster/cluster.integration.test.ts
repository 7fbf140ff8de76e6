/**
 * The local cluster itself: real control plane, KWOK-simulated Pis, exec and logs on the simulated
 * nodes, the pod runner, and a clean `down`. Runs against the run's shared cluster
 * (test/setup/cluster.ts), in a namespace of its own; the `down` test starts a second cluster.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterStatus, describeBinaries, startCluster, stopCluster } from '../../src/localcluster/index.js';
import { findFreePortBase, randomAddressBlock, type LocalClusterInfo } from '../setup/cluster.js';

const cluster: LocalClusterInfo = inject('localCluster');
const namespace = `cluster-test-${randomUUID().slice(0, 8)}`;
const kubeconfig = new KubeConfig();
kubeconfig.loadFromFile(cluster.kubeconfig);
const core = kubeconfig.makeApiClient(CoreV1Api);
const apps = kubeconfig.makeApiClient(AppsV1Api);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array to its end (killed after `timeoutMs`). */
function run(program: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(program, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function kubectl(args: string[], timeoutMs?: number): Promise<Run> {
  return run(cluster.kubectl, args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, timeoutMs });
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

function isReady(node: V1Node): boolean {
  return (
    node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false
  );
}

/** The loopback /24 that pods on node pi-`index` get their IPs from (test/cluster/layout.go). */
function podPrefix(index: number): string {
  return `127.${cluster.addressBlock + 1 + Math.floor(index / 256)}.${index % 256}.`;
}

async function runningPod(name: string): Promise<V1Pod> {
  return eventually(`pod ${name} to run`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace });
    return pod.status?.phase === 'Running' && pod.status.podIP ? pod : undefined;
  });
}

function sleeperPod(name: string, spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return {
    metadata: { name, namespace },
    spec: { containers: [{ name: 'main', image: 'debian:bookworm', command: ['sleep', 'infinity'] }], ...spec },
  };
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { timeout: 2_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/** The port is free on `host` (nothing listens there any more). */
function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Local addresses listening on `port`, from /proc/net/tcp (state 0A = LISTEN). */
async function listenersOn(port: number): Promise<string[]> {
  const lines = (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1);
  return lines
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port)
    .map((fields) => fields[1] ?? '');
}

/** Processes whose command line contains `text`, or whose session is `session`. */
async function processesMatching(text: string, session?: number): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue;
    }
    try {
      const commandLine = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') {
        continue; // a zombie holds no port and runs nothing
      }
      if (commandLine.includes(text) || (session !== undefined && Number(fields[3]) === session)) {
        found.push(`${entry}: ${commandLine}`);
      }
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await eventually('the default ServiceAccount', () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace }),
  );
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace });
});

describe('the local cluster', () => {
  it('lists four Ready arm64 Raspberry Pis to a kubectl of the server version', async () => {
    const result = await kubectl(['get', 'nodes', '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const nodes = (JSON.parse(result.stdout) as { items: V1Node[] }).items;
    expect(nodes.map((node) => node.metadata?.name).sort()).toEqual(['pi-1', 'pi-2', 'pi-3', 'pi-4']);
    for (const node of nodes) {
      expect(isReady(node), `${node.metadata?.name} Ready`).toBe(true);
      expect(node.metadata?.labels?.['kubernetes.io/arch']).toBe('arm64');
      expect(node.status?.nodeInfo?.architecture).toBe('arm64');
      expect(node.status?.nodeInfo?.osImage).toBe('Debian GNU/Linux 12 (bookworm)');
      expect(node.status?.nodeInfo?.kubeletVersion).toBe('v1.36.3');
      expect(node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address).toMatch(/^127\./);
    }
    const pi1 = nodes.find((node) => node.metadata?.name === 'pi-1');
    expect(pi1?.metadata?.labels?.['kubedesk.io/model']).toBe('raspberry-pi-3-model-b-plus');
    expect(pi1?.status?.capacity?.memory).toBe('927892Ki');
    const pi4 = nodes.find((node) => node.metadata?.name === 'pi-4');
    expect(pi4?.metadata?.labels?.['kubedesk.io/model']).toBe('raspberry-pi-4-model-b');

    const version = await kubectl(['version', '-o', 'json']);
    const versions = JSON.parse(version.stdout) as Record<string, { gitVersion: string }>;
    expect(versions.clientVersion?.gitVersion).toBe('v1.36.3');
    expect(versions.serverVersion?.gitVersion).toBe('v1.36.3');
  });

  it('reports every component healthy through status', async () => {
    const status = await clusterStatus(cluster.directory, { binaries: await describeBinaries(binaryFolder()) });
    expect(status.running).toBe(true);
    expect(status.healthy).toBe(true);
    expect(status.components?.map((component) => component.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-scheduler',
      'kube-controller-manager',
      'kwok',
      'podrunner',
    ]);
  });

  it('places a pod with a nodeSelector through the real scheduler, on an IP of its node', async () => {
    await core.createNamespacedPod({
      namespace,
      body: sleeperPod('on-the-3b-plus', { nodeSelector: { 'kubedesk.io/model': 'raspberry-pi-3-model-b-plus' } }),
    });
    const pod = await runningPod('on-the-3b-plus');
    expect(pod.spec?.nodeName).toBe('pi-1');
    expect(pod.status?.podIP?.startsWith(podPrefix(1))).toBe(true);
    // The scheduler writes events.k8s.io events: the reporter is in reportingComponent.
    await eventually("the scheduler's Scheduled event", async () => {
      const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=on-the-3b-plus' });
      return events.items.some(
        (event) =>
          event.reason === 'Scheduled' &&
          (event.reportingComponent === 'default-scheduler' || event.source?.component === 'default-scheduler'),
      )
        ? true
        : undefined;
    });
  });

  it('gives a DaemonSet one pod per node through the real controller-manager', async () => {
    await apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: 'everywhere' },
        spec: {
          selector: { matchLabels: { app: 'everywhere' } },
          template: {
            metadata: { labels: { app: 'everywhere' } },
            spec: { containers: [{ name: 'main', image: 'debian:bookworm', command: ['sleep', 'infinity'] }] },
          },
        },
      },
    });
    const pods = await eventually('one DaemonSet pod per node', async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=everywhere' });
      const running = list.items.filter((pod) => pod.status?.phase === 'Running');
      return running.length === 4 ? running : undefined;
    });
    expect(pods.map((pod) => pod.spec?.nodeName).sort()).toEqual(['pi-1', 'pi-2', 'pi-3', 'pi-4']);
  });

  it('execs into a pod on pi-3 as a local process with pi-3 identity and directory', async () => {
    await core.createNamespacedPod({ namespace, body: sleeperPod('shell', { nodeName: 'pi-3' }) });
    await runningPod('shell');
    const result = await eventually('exec to work', async () => {
      const attempt = await kubectl([
        'exec',
        '-n',
        namespace,
        'shell',
        '--',
        'sh',
        '-c',
        'echo "$KUBEDESK_NODE $HOSTNAME"; pwd',
      ]);
      return attempt.code === 0 ? attempt : undefined;
    });
    expect(result.stdout).toBe(`pi-3 pi-3\n${join(cluster.directory, 'nodes', 'pi-3')}\n`);
  });

  it('gives kubectl exec -it a real terminal: size, resize and Ctrl-C', async () => {
    await runningPod('shell');
    const started = Date.now();
    const session = await run(
      'python3',
      [
        join(import.meta.dirname, 'terminal-session.py'),
        cluster.kubectl,
        'exec',
        '-it',
        '-n',
        namespace,
        'shell',
        '--',
        'bash',
      ],
      { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, timeoutMs: 40_000 },
    );
    const screen = session.stdout;
    expect(screen).toContain('33 101');
    expect(screen).toContain('40 120');
    expect(screen).toContain('after-interrupt');
    expect(screen).toContain('@pi-3:');
    expect(screen).not.toContain('no job control');
    // Ctrl-C ended `sleep 30`; otherwise the session would have taken over 30 s.
    expect(Date.now() - started).toBeLessThan(25_000);
  }, 60_000);

  it('answers kubectl auth can-i from real RBAC for a ServiceAccount token', async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'pod-reader' } } });
    const rbac = [
      ['create', 'role', 'read-pods', '--verb=get,list,watch', '--resource=pods', '-n', namespace],
      [
        'create',
        'rolebinding',
        'read-pods',
        '--role=read-pods',
        `--serviceaccount=${namespace}:pod-reader`,
        '-n',
        namespace,
      ],
    ];
    for (const args of rbac) {
      const result = await kubectl(args);
      expect(result.code, result.stderr).toBe(0);
    }
    const token = await kubectl(['create', 'token', 'pod-reader', '-n', namespace]);
    expect(token.code, token.stderr).toBe(0);
    // Only the token: a kubeconfig with the admin's client certificate would win over it.
    const asReader = (verb: string, resource: string) =>
      run(
        cluster.kubectl,
        [
          'auth',
          'can-i',
          verb,
          resource,
          '-n',
          namespace,
          `--server=${cluster.server}`,
          `--certificate-authority=${join(cluster.directory, 'pki', 'ca.crt')}`,
          `--token=${token.stdout.trim()}`,
        ],
        { env: { ...process.env, KUBECONFIG: '/dev/null' } },
      );
    expect((await asReader('list', 'pods')).stdout.trim()).toBe('yes');
    expect((await asReader('delete', 'pods')).stdout.trim()).toBe('no');
    expect((await asReader('get', 'secrets')).stdout.trim()).toBe('no');
    const elsewhere = await kubectl([
      'auth',
      'can-i',
      'list',
      'pods',
      '-n',
      'kube-system',
      `--as=system:serviceaccount:${namespace}:pod-reader`,
    ]);
    expect(elsewhere.stdout.trim()).toBe('no');
  });

  it('runs a Kubedesk app pod on its pod IP with the pod environment, and stops it on delete', async () => {
    const secret = randomUUID();
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'app' }, stringData: { greeting: secret } },
    });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'app' }, data: { port: '8123' } } });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'web', labels: { 'app.kubernetes.io/managed-by': 'kubedesk' } },
        spec: {
          nodeName: 'pi-2',
          containers: [
            {
              name: 'web',
              image: 'python:3',
              command: ['sh', '-c'],
              args: [
                'echo "$GREETING on $NODE" > index.html && exec python3 -m http.server --bind "$(POD_IP)" "$(PORT)"',
              ],
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'GREETING', valueFrom: { secretKeyRef: { name: 'app', key: 'greeting' } } },
                { name: 'PORT', valueFrom: { configMapKeyRef: { name: 'app', key: 'port' } } },
              ],
            },
          ],
        },
      },
    });
    const pod = await runningPod('web');
    const podIP = pod.status?.podIP ?? '';
    expect(podIP.startsWith(podPrefix(2))).toBe(true);
    const body = await eventually('the app to answer on its pod IP', () => httpGet(`http://${podIP}:8123/index.html`));
    expect(body.trim()).toBe(`${secret} on pi-2`);
    // The app bound the pod IP only, not every loopback address.
    expect(await portIsFree('127.0.0.1', 8123)).toBe(true);

    const logs = await eventually('the request in kubectl logs', async () => {
      const result = await kubectl(['logs', '-n', namespace, 'web']);
      return result.stdout.includes('GET /index.html') ? result.stdout : undefined;
    });
    expect(logs).toContain('"GET /index.html HTTP/1.1" 200');

    await core.deleteNamespacedPod({ name: 'web', namespace });
    await eventually('the app to stop', async () => ((await portIsFree(podIP, 8123)) ? true : undefined), 15_000);
  });

  it('records an app process that ends by itself in the pod status, and KWOK leaves it there', async () => {
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'short-lived', labels: { 'app.kubernetes.io/managed-by': 'kubedesk' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'debian:bookworm', command: ['sh', '-c', 'exit 3'] }],
        },
      },
    });
    const ended = await eventually('the pod to fail', async () => {
      const pod = await core.readNamespacedPod({ name: 'short-lived', namespace });
      return pod.status?.phase === 'Failed' ? pod : undefined;
    });
    expect(ended.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const later = await core.readNamespacedPod({ name: 'short-lived', namespace });
    expect(later.status?.phase).toBe('Failed');
  });

  it('down stops a second cluster beside this one, leaving no listening port and no process', async () => {
    const binaries = await describeBinaries(binaryFolder());
    const directory = await mkdtemp(join(tmpdir(), 'kubedesk-second-cluster-'));
    // Another test run may use ports near ours: take ones that are free now.
    const portBase = await findFreePortBase();
    try {
      const second = await startCluster({
        binaries,
        directory,
        nodes: 1,
        portBase,
        addressBlock: randomAddressBlock(),
      });
      expect(second.server).toBe(`https://127.0.0.1:${portBase}`);
      const secondConfig = new KubeConfig();
      secondConfig.loadFromFile(second.kubeconfig);
      const secondCore = secondConfig.makeApiClient(CoreV1Api);
      await secondCore.createNamespacedPod({
        namespace: 'kubedesk-apps',
        body: {
          metadata: { name: 'sleeper', labels: { 'app.kubernetes.io/managed-by': 'kubedesk' } },
          spec: { containers: [{ name: 'main', image: 'x', command: ['sleep', '600'] }] },
        },
      });
      await eventually('the app process to start', async () => {
        const log = await readFile(join(directory, 'logs', 'podrunner.log'), 'utf8');
        return log.includes('kubedesk-apps/sleeper: started') ? true : undefined;
      });
      const state = JSON.parse(await readFile(join(directory, 'state.json'), 'utf8')) as { supervisorPid: number };

      await stopCluster(directory, { binaries });

      for (let offset = 0; offset < 7; offset++) {
        expect(await listenersOn(portBase + offset), `port ${portBase + offset}`).toEqual([]);
      }
      expect(await processesMatching(directory, state.supervisorPid)).toEqual([]);
      // The shared cluster is untouched.
      expect((await kubectl(['get', 'nodes', '-o', 'name'])).stdout.trim().split('\n')).toHaveLength(4);
    } finally {
      await stopCluster(directory, { binaries }).catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a cluster started with stopWithPid', () => {
  it('stops by itself, leaving no port behind, when that process is killed', async () => {
    const binaries = await describeBinaries(binaryFolder());
    const directory = await mkdtemp(join(tmpdir(), 'kubedesk-owned-cluster-'));
    const portBase = await findFreePortBase();
    const owner = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      await startCluster({
        binaries,
        directory,
        nodes: 1,
        portBase,
        addressBlock: randomAddressBlock(),
        stopWithPid: owner.pid,
      });
      owner.kill('SIGKILL');
      await eventually(
        'the cluster to stop',
        async () => {
          const listening = await Promise.all(Array.from({ length: 7 }, (_, offset) => listenersOn(portBase + offset)));
          return listening.every((addresses) => addresses.length === 0) ? true : undefined;
        },
        30_000,
      );
      const status = await clusterStatus(directory, { binaries });
      expect(status.running).toBe(false);
    } finally {
      owner.kill('SIGKILL');
      await stopCluster(directory, { binaries }).catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
    }
  }, 120_000);
});

/** The build folder: kubectl is a link in it. */
function binaryFolder(): string {
  return join(cluster.kubectl, '..');
}
