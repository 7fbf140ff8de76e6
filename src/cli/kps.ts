import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { loadKubeconfig } from '../cluster/index.js';
import { processSortKeys, terminalNodeSchema, type ProcessList, type ProcessSortKey } from '../contract/index.js';
import { ENTER_HOST, gatherProcesses, killProcess } from '../terminal/index.js';

const HELP = `usage: kubedesk kps [--sort cpu|memory|pid|node|command] [--filter TEXT] [--node NAME]...
                    [--watch [SECONDS]] [--limit N] [--json] [--kubeconfig FILE]
       kubedesk kps --kill NODE:PID [--signal TERM|KILL] [--yes]

Host processes of every node, gathered in parallel through the node agents' node shells.
  --kill NODE:PID  signal a process after asking (refused unless RBAC allows exec there)
  --no-enter       run ps in the node shell itself, not through nsenter (simulated nodes)`;

function table(list: ProcessList): string {
  const header = ['NODE', 'PID', 'USER', '%CPU', '%MEM', 'RSS', 'STAT', 'COMMAND'];
  const rows = list.processes.map((row) => [
    row.node,
    String(row.pid),
    row.user,
    row.cpuPercent.toFixed(1),
    row.memoryPercent.toFixed(1),
    String(row.residentKiB),
    row.state,
    row.command,
  ]);
  const widths = header.map((title, column) =>
    column === header.length - 1 ? 0 : Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  const failures = list.failures.map((failure) => `kps: ${failure.node}: ${failure.reason}`);
  return [line(header), ...rows.map(line), ...failures].join('\n');
}

/** `kubedesk kps`: ps across the cluster, with a NODE column. */
export async function runKps(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sort: { type: 'string', default: 'cpu' },
      filter: { type: 'string' },
      node: { type: 'string', multiple: true },
      watch: { type: 'boolean', default: false },
      interval: { type: 'string', default: '2' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      kill: { type: 'string' },
      signal: { type: 'string', default: 'TERM' },
      yes: { type: 'boolean', default: false },
      'no-enter': { type: 'boolean', default: false },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!(processSortKeys as readonly string[]).includes(values.sort)) {
    console.error(`kps: --sort must be one of ${processSortKeys.join(', ')}`);
    return 2;
  }
  const { config } = loadKubeconfig(values.kubeconfig !== undefined ? { path: values.kubeconfig } : {});
  const enterHost = values['no-enter'] ? [] : ENTER_HOST;

  if (values.kill !== undefined) {
    const match = /^([^:]+):(\d+)$/.exec(values.kill);
    const node = terminalNodeSchema.safeParse(match?.[1]);
    if (!match || !node.success || (values.signal !== 'TERM' && values.signal !== 'KILL')) {
      console.error('kps: --kill takes NODE:PID, --signal TERM or KILL');
      return 2;
    }
    const pid = Number(match[2]);
    const found = await gatherProcesses(config, { nodes: [node.data], sort: 'pid' }, { enterHost });
    const target = found.processes.find((row) => row.pid === pid);
    if (!target) {
      console.error(`kps: no process ${pid} on ${node.data}`);
      return 1;
    }
    if (!values.yes) {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await prompt.question(
        `Send SIG${values.signal} to ${pid} on ${node.data} (${target.command})? [y/N] `,
      );
      prompt.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        console.error('kps: not sent');
        return 1;
      }
    }
    await killProcess(config, node.data, pid, values.signal, { enterHost });
    console.error(`kps: sent SIG${values.signal} to ${pid} on ${node.data}`);
    return 0;
  }

  const query = {
    sort: values.sort as ProcessSortKey,
    ...(values.filter !== undefined ? { filter: values.filter } : {}),
    ...(values.node !== undefined ? { nodes: values.node.map((name) => terminalNodeSchema.parse(name)) } : {}),
    ...(values.limit !== undefined ? { limit: Number(values.limit) } : {}),
  };
  for (;;) {
    const list = await gatherProcesses(config, query, { enterHost });
    const text = values.json ? JSON.stringify(list) : table(list);
    if (values.watch && !values.json) {
      // Like watch(1): clear, then the fresh table.
      process.stdout.write('\x1b[H\x1b[2J');
    }
    console.log(text);
    if (!values.watch) {
      return list.processes.length > 0 ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, Number(values.interval) * 1000));
  }
}
