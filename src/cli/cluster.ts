import { parseArgs } from 'node:util';
import {
  clusterStatus,
  defaultClusterDirectory,
  ensureClusterBinaries,
  startCluster,
  stopCluster,
} from '../localcluster/index.js';

const HELP = `usage: kubedesk cluster up|down|status [options]

The local Kubernetes cluster for the demo and the tests: a real control plane built from Go
modules, with simulated Raspberry Pis (docs/local-cluster.md). The first run builds it (long;
cached under ~/.cache/kubedesk/cluster).

  up       start a cluster and wait until every node is Ready; prints the kubeconfig path
  down     stop it; leaves no process and no listening port
  status   what runs, component by component (exit 1 when nothing runs)

options:
  --dir DIR              cluster directory (default ${defaultClusterDirectory()})
  --nodes N              up: simulated Pis pi-1 … pi-N (default 4)
  --port-base PORT       up: first of 7 ports on 127.0.0.1, the API server's (default 16443)
  --address-block N      up: second octet of the cluster's loopback addresses (default 1)
  --timeout SECONDS      up: give up after this long (default 600)
  --json                 up, status: print one JSON object`;

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a whole number of at least 1, not "${text}"`);
  }
  return value;
}

/** `kubedesk cluster …`; returns the exit code. */
export async function runClusterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      nodes: { type: 'string' },
      'port-base': { type: 'string' },
      'address-block': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [action, ...extra] = positionals;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (action === undefined || extra.length > 0) {
    console.error(HELP);
    return 2;
  }
  const directory = values.dir ?? defaultClusterDirectory();
  const progress = (line: string) => console.error(line);

  switch (action) {
    case 'up': {
      const timeoutSeconds = positiveInteger('timeout', values.timeout);
      const cluster = await startCluster({
        directory,
        nodes: positiveInteger('nodes', values.nodes),
        portBase: positiveInteger('port-base', values['port-base']),
        addressBlock: positiveInteger('address-block', values['address-block']),
        timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
        onProgress: progress,
      });
      if (values.json) {
        console.log(JSON.stringify(cluster));
      } else {
        console.log(
          [
            `${cluster.alreadyUp ? 'already running' : 'ready'}: ${cluster.nodes} nodes, API server ${cluster.server}`,
            `kubeconfig: ${cluster.kubeconfig}`,
            `kubectl:    ${cluster.kubectl}`,
            '',
            `  export KUBECONFIG=${cluster.kubeconfig}`,
          ].join('\n'),
        );
      }
      return 0;
    }
    case 'down':
      await stopCluster(directory, {
        binaries: await ensureClusterBinaries({ onProgress: progress }),
        onProgress: progress,
      });
      return 0;
    case 'status': {
      const status = await clusterStatus(directory, {
        binaries: await ensureClusterBinaries({ onProgress: progress }),
      });
      if (values.json) {
        console.log(JSON.stringify(status, null, 2));
      } else {
        console.log(`cluster in ${status.directory}: ${status.summary}`);
        if (status.kubeconfig !== undefined) {
          console.log(`kubeconfig: ${status.kubeconfig}`);
        }
        for (const component of status.components ?? []) {
          console.log(
            `  ${component.name.padEnd(24)} pid ${String(component.pid).padStart(7)}  port ${component.port}  ${component.health}`,
          );
        }
      }
      return !status.running ? 1 : status.healthy ? 0 : 3;
    }
    default:
      console.error(`kubedesk cluster: unknown action "${action}"\n\n${HELP}`);
      return 2;
  }
}
