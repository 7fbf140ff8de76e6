import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { kubeRequest, KubeRequestError, loadKubeconfig } from '../cluster/index.js';
import { hardwareClient } from '../hardware/index.js';
import { startHardwareSimulator } from '../hardware/simulator.js';
import { startPowerSimulation } from '../power/simulated-power.js';
import { createHost, packageRoot, startWebHost } from '../host/index.js';
import { startCluster, stopCluster } from '../localcluster/index.js';
import { startDisplayServer } from './display-server.js';
import { DEFAULT_PORT, parsePort, untilSignal } from './serve.js';

const run = promisify(execFile);

const HELP = `usage: kubedesk demo [--port PORT] [--nodes N] [--display DISPLAY] [--cluster-dir DIR --port-base P]

The embedded default (npm start): the local cluster of simulated Pis, a hardware simulator for
the HDMI switch and the power relays, a screen for the display node (Xvfb with openbox, unless
--display names one), the example apps, and the shell served on 127.0.0.1.
Ctrl-C stops everything it started; running apps stop with the cluster.
  --port PORT         web host port (default ${DEFAULT_PORT})
  --nodes N           simulated Pis (default 4)
  --display DISPLAY   an X display to show apps on instead of a new Xvfb
  --cluster-dir DIR   the local cluster's folder (default ~/.cache/kubedesk/run/default)
  --port-base P       the local cluster's first port (default 16443), to run beside another`;

/** The node the demo's screen belongs to: the first Pi, as on a fresh cluster. */
export const DEMO_DISPLAY_NODE = 'pi-1';

/** Which HDMI input, audio input and power port each simulated Pi sits on: pi-N on N. */
function hardwareMap(nodes: number): string {
  const lines = ['nodes:'];
  for (let index = 1; index <= nodes; index++) {
    lines.push(`  pi-${index}: { hdmi: "${index}", audio: "${index}", power: "${index}" }`);
  }
  lines.push('hotplug: auto');
  return lines.join('\n') + '\n';
}

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      nodes: { type: 'string' },
      display: { type: 'string' },
      'cluster-dir': { type: 'string' },
      'port-base': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const nodes = values.nodes === undefined ? 4 : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new Error(`--nodes must be a whole number of at least 1, not "${values.nodes}"`);
  }
  const log = (line: string) => console.error(line);
  const stops: (() => Promise<void>)[] = [];
  async function stopAll(): Promise<void> {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => console.error(`while stopping: ${(error as Error).message}`));
    }
  }
  try {
    log('starting the local cluster (the first run builds it; that takes a while)…');
    const cluster = await startCluster({
      nodes,
      ...(values['cluster-dir'] !== undefined ? { directory: values['cluster-dir'] } : {}),
      ...(values['port-base'] !== undefined ? { portBase: parsePort(values['port-base'], 0) } : {}),
      onProgress: (line) => log(`  ${line}`),
    });
    if (!cluster.alreadyUp) {
      stops.push(async () => {
        log('stopping the local cluster…');
        await stopCluster(cluster.directory);
      });
    }
    log(`cluster: ${cluster.nodes} Pis at ${cluster.server}`);

    const kubectl = (...args: string[]) =>
      run(cluster.kubectl, args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig } });
    const root = packageRoot();
    log('installing the DesktopApp CRD, the example apps and the hardware map…');
    await kubectl('apply', '-f', join(root, 'deploy', 'crds', 'desktopapp.yaml'));
    await kubectl('wait', '--for=condition=Established', 'crd/desktopapps.kubedesk.io', '--timeout=60s');
    await kubectl('apply', '-k', join(root, 'deploy', 'apps'));
    // The node agents' node shells: what terminal tabs on the other Pis exec into.
    await kubectl('apply', '-f', join(root, 'deploy', 'agent.yaml'));
    const config = loadKubeconfig({ path: cluster.kubeconfig }).config;
    const hardwareConfigMap = {
      metadata: { name: 'kubedesk-hardware', namespace: 'kubedesk-system' },
      data: { 'config.yaml': hardwareMap(cluster.nodes) },
    };
    await kubeRequest(config, {
      method: 'POST',
      path: '/api/v1/namespaces/kubedesk-system/configmaps',
      body: hardwareConfigMap,
    }).catch((error: unknown) => {
      // Already there from an earlier demo on the same cluster: keep what the user may have changed.
      if (!(error instanceof KubeRequestError && error.status === 409)) {
        throw error;
      }
    });
    // The screen starts on the first Pi, as long as no node holds it yet.
    const holders = await kubeRequest<{ items: unknown[] }>(config, {
      path: '/api/v1/nodes?labelSelector=kubedesk.io%2Fdisplay%3Dactive',
    });
    if (holders.items.length === 0) {
      await kubeRequest(config, {
        method: 'PATCH',
        path: `/api/v1/nodes/${DEMO_DISPLAY_NODE}`,
        body: { metadata: { labels: { 'kubedesk.io/display': 'active' } } },
      });
    }

    const token = randomBytes(24).toString('base64url');
    const simulator = await startHardwareSimulator({
      stateFile: join(homedir(), '.cache', 'kubedesk', 'run', 'demo-hardware.json'),
      token,
      inputs: Array.from({ length: cluster.nodes }, (_, index) => String(index + 1)),
    });
    stops.push(() => simulator.close());
    log(`hardware simulator: ${simulator.url}`);

    // The relays of the simulator switch the simulated Pis: off stops a node's kubelet, on boots it.
    const hardware = hardwareClient({ url: simulator.url, token });
    const power = startPowerSimulation({ config, hardware, log });
    stops.push(async () => power.stop());

    let display = values.display ?? null;
    if (display === null) {
      const screen = await startDisplayServer(log);
      stops.push(() => screen.stop());
      display = screen.display;
    }
    log(`screen of ${DEMO_DISPLAY_NODE}: X display ${display}`);

    const host = await createHost({
      host: 'web',
      nodeName: DEMO_DISPLAY_NODE,
      kubeconfig: { path: cluster.kubeconfig },
      display,
      hardware,
      desk: { shutdown: (node) => power.shutdown(node) },
      // The simulated Pis' exec already runs on the "host": there is no Pi PID 1 to nsenter into.
      terminal: { enterHost: [] },
      log,
    });
    stops.push(() => host.dispose());
    const web = await startWebHost({
      api: host.api,
      openPeer: host.openPeer,
      pairing: host.pairing,
      staticDir: join(root, 'dist', 'renderer'),
      port: parsePort(values.port, DEFAULT_PORT),
      log,
    });
    stops.push(() => web.close());
    console.log(
      `\nKubedesk is running: open ${web.url}\n` +
        `  the display node's screen is X display ${display} (DISPLAY=${display} xdotool … to look)\n` +
        `  kubectl: KUBECONFIG=${cluster.kubeconfig} ${cluster.kubectl} get nodes`,
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  return untilSignal(stopAll);
}
