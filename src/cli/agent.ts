import { parseArgs } from 'node:util';
import { startAgent } from '../agent/index.js';
import { loadKubeconfig } from '../cluster/index.js';
import { untilSignal } from './serve.js';

const HELP = `usage: kubedesk agent [--node NAME] [--sysfs DIR] [--proc DIR] [--kubeconfig FILE]

The node agent (a DaemonSet on every node): writes the SoC temperature, throttling and board
model to its node's kubedesk.io/ annotations, at most on a 1 °C change or once a minute.
  --node NAME        this node (default: KUBEDESK_NODE_NAME, set by the DaemonSet)
  --sysfs DIR        sysfs root (default /sys; a fake tree in tests)
  --proc DIR         procfs root (default /proc)
  --kubeconfig FILE  default: KUBECONFIG, ~/.kube/config, or the pod's service account`;

export async function runAgent(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      node: { type: 'string' },
      sysfs: { type: 'string' },
      proc: { type: 'string' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const nodeName = values.node ?? process.env.KUBEDESK_NODE_NAME;
  if (!nodeName) {
    throw new Error('which node? pass --node NAME or set KUBEDESK_NODE_NAME');
  }
  const { config, source } = loadKubeconfig(values.kubeconfig !== undefined ? { path: values.kubeconfig } : {});
  console.error(`kubedesk agent on ${nodeName}, cluster from ${source}`);
  const agent = startAgent({
    config,
    nodeName,
    ...(values.sysfs !== undefined ? { sysfsRoot: values.sysfs } : {}),
    ...(values.proc !== undefined ? { procRoot: values.proc } : {}),
    log: (line) => console.error(line),
  });
  return untilSignal(async () => agent.stop());
}
