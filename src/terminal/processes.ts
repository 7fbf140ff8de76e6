import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../cluster/index.js';
import type { ProcessList, ProcessQuery, ProcessRow, ProcessSortKey } from '../contract/index.js';
import { execCollect } from './exec.js';
import { AGENT_NAMESPACE, AGENT_SELECTOR, NODE_SHELL_CONTAINER } from './shell.js';

/** Nodes asked at once: enough for a rack of Pis in one round, few enough for a 2-core host. */
export const PROCESS_GATHER_CONCURRENCY = 32;
/** A node that has not answered by then is reported as failed; the others are listed. */
export const PROCESS_GATHER_TIMEOUT_MS = 10_000;

/** `ps` of procps and busybox alike; `=` after each field drops the header. */
export const PS_COMMAND = ['ps', '-e', '-ww', '-o', 'pid=,ppid=,user:32=,pcpu=,pmem=,rss=,etimes=,stat=,args='];

/** Parses `ps` output of PS_COMMAND's fields into rows of one node. */
export function parsePs(node: string, output: string): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\S+)\s?(.*)$/.exec(line);
    if (!match) {
      continue;
    }
    rows.push({
      node,
      pid: Number(match[1]),
      ppid: Number(match[2]),
      user: match[3]!,
      cpuPercent: Number(match[4]),
      memoryPercent: Number(match[5]),
      residentKiB: Number(match[6]),
      elapsedSeconds: Number(match[7]),
      state: match[8]!,
      command: match[9]!,
    });
  }
  return rows;
}

const comparators: Record<ProcessSortKey, (left: ProcessRow, right: ProcessRow) => number> = {
  cpu: (left, right) => right.cpuPercent - left.cpuPercent,
  memory: (left, right) => right.residentKiB - left.residentKiB,
  pid: (left, right) => left.pid - right.pid,
  node: (left, right) => left.node.localeCompare(right.node, undefined, { numeric: true }) || left.pid - right.pid,
  command: (left, right) => left.command.localeCompare(right.command),
};

/** Filters and sorts gathered rows as the query asks. */
export function selectProcesses(rows: ProcessRow[], query: ProcessQuery): ProcessRow[] {
  const needle = query.filter?.toLowerCase();
  const kept = needle
    ? rows.filter((row) => row.command.toLowerCase().includes(needle) || row.user.toLowerCase().includes(needle))
    : rows;
  const sorted = [...kept].sort(comparators[query.sort ?? 'cpu']);
  return query.limit === undefined ? sorted : sorted.slice(0, query.limit);
}

interface PodList {
  items: { metadata: { name: string }; spec?: { nodeName?: string }; status?: { phase?: string } }[];
}

/** The running agent pod of every node, from one list call. */
export async function agentPods(config: KubeConfig): Promise<Map<string, string>> {
  const list = await kubeRequest<PodList>(config, {
    method: 'GET',
    path: `/api/v1/namespaces/${AGENT_NAMESPACE}/pods?labelSelector=${encodeURIComponent(AGENT_SELECTOR)}`,
  });
  const pods = new Map<string, string>();
  for (const item of list.items) {
    if (item.status?.phase === 'Running' && item.spec?.nodeName) {
      pods.set(item.spec.nodeName, item.metadata.name);
    }
  }
  return pods;
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      await work(items[next++]!);
    }
  });
  await Promise.all(workers);
}

/**
 * Host processes of every node with an agent, gathered in parallel: one `ps` per node through
 * its node shell (hostPID, so the host's processes), no pod created.
 */
export async function gatherProcesses(
  config: KubeConfig,
  query: ProcessQuery,
  options: { enterHost: string[] },
): Promise<ProcessList> {
  const pods = await agentPods(config);
  const nodes = query.nodes ?? [...pods.keys()];
  const processes: ProcessRow[] = [];
  const failures: ProcessList['failures'] = [];
  await inParallel(nodes, PROCESS_GATHER_CONCURRENCY, async (node) => {
    const pod = pods.get(node);
    if (!pod) {
      failures.push({ node, reason: 'no running node agent' });
      return;
    }
    try {
      const result = await execCollect(
        config,
        {
          namespace: AGENT_NAMESPACE,
          pod,
          container: NODE_SHELL_CONTAINER,
          command: [...options.enterHost, ...PS_COMMAND],
        },
        PROCESS_GATHER_TIMEOUT_MS,
      );
      if (result.exitCode !== 0) {
        failures.push({ node, reason: result.reason ?? `ps exited with ${result.exitCode}` });
        return;
      }
      processes.push(...parsePs(node, result.stdout));
    } catch (error) {
      failures.push({ node, reason: (error as Error).message });
    }
  });
  failures.sort((left, right) => left.node.localeCompare(right.node, undefined, { numeric: true }));
  return { processes: selectProcesses(processes, query), failures, at: Date.now() };
}

/** May the caller exec into this pod? The same check the API server makes, asked beforehand. */
export async function mayExec(config: KubeConfig, pod: string): Promise<boolean> {
  const review = await kubeRequest<{ status?: { allowed?: boolean } }>(config, {
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace: AGENT_NAMESPACE,
          verb: 'create',
          resource: 'pods',
          subresource: 'exec',
          name: pod,
        },
      },
    },
  });
  return review.status?.allowed === true;
}

/** Signals a host process on a node, when RBAC allows exec into that node's agent. */
export async function killProcess(
  config: KubeConfig,
  node: string,
  pid: number,
  signal: 'TERM' | 'KILL',
  options: { enterHost: string[] },
): Promise<void> {
  const pods = await agentPods(config);
  const pod = pods.get(node);
  if (!pod) {
    throw new Error(`no running node agent on ${node}`);
  }
  if (!(await mayExec(config, pod))) {
    throw new Error(`not allowed: RBAC does not let you exec into ${AGENT_NAMESPACE}/${pod} on ${node}`);
  }
  const result = await execCollect(
    config,
    {
      namespace: AGENT_NAMESPACE,
      pod,
      container: NODE_SHELL_CONTAINER,
      command: [...options.enterHost, 'kill', '-s', signal, String(pid)],
    },
    PROCESS_GATHER_TIMEOUT_MS,
  );
  if (result.exitCode !== 0) {
    throw new Error(`kill ${pid} on ${node} failed${result.reason ? `: ${result.reason}` : ''}`);
  }
}
