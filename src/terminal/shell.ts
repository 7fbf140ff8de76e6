import type { KubeConfig } from '@kubernetes/client-node';
import { spawn as spawnPty } from 'node-pty';
import { kubeRequest } from '../cluster/index.js';
import { openExec, type ExecEnd } from './exec.js';

/** Where the node agents run, and the container of theirs that is the node shell. */
export const AGENT_NAMESPACE = 'kubedesk-system';
export const AGENT_SELECTOR = 'app.kubernetes.io/name=kubedesk-agent';
export const NODE_SHELL_CONTAINER = 'shell';
/** Enters the host's namespaces from the privileged, hostPID node shell container. */
export const ENTER_HOST = ['nsenter', '-t', '1', '-a', '--'];

/** A running shell, whatever carries it. */
export interface ShellProcess {
  write(data: string): void;
  resize(columns: number, rows: number): void;
  pause(): void;
  resume(): void;
  close(): void;
  onData(listener: (chunk: Buffer) => void): void;
  onEnd(listener: (end: ExecEnd) => void): void;
}

interface PodList {
  items: { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }[];
}

/** The node agent's pod on a node: the exec target of its node shell. */
export async function agentPod(config: KubeConfig, node: string): Promise<string> {
  const query = new URLSearchParams({ labelSelector: AGENT_SELECTOR, fieldSelector: `spec.nodeName=${node}` });
  const list = await kubeRequest<PodList>(config, {
    method: 'GET',
    path: `/api/v1/namespaces/${AGENT_NAMESPACE}/pods?${query}`,
  });
  const pod = list.items.find((item) => item.status?.phase === 'Running' && !item.metadata.deletionTimestamp);
  if (!pod) {
    throw new Error(`no running node agent on ${node} (DaemonSet kubedesk-agent in ${AGENT_NAMESPACE})`);
  }
  return pod.metadata.name;
}

/** A shell in a pty on this machine: the display node's own terminal. */
export function openLocalShell(command: string[], columns: number, rows: number): ShellProcess {
  const [program, ...args] = command;
  const pty = spawnPty(program!, args, {
    name: 'xterm-256color',
    cols: columns,
    rows,
    cwd: process.env.HOME ?? '/',
    env: { ...process.env, TERM: 'xterm-256color', COLORTERM: 'truecolor' } as Record<string, string>,
    // Raw bytes: decoding happens once, in the output pipe, for both kinds of session.
    encoding: null,
  });
  const endListeners: ((end: ExecEnd) => void)[] = [];
  pty.onExit(({ exitCode }) => {
    for (const listener of endListeners) {
      listener({ exited: true, exitCode, reason: null });
    }
  });
  return {
    write: (data) => pty.write(data),
    resize: (columns, rows) => pty.resize(columns, rows),
    pause: () => pty.pause(),
    resume: () => pty.resume(),
    close: () => pty.kill('SIGHUP'),
    onData: (listener) => void pty.onData((data) => listener(typeof data === 'string' ? Buffer.from(data) : data)),
    onEnd: (listener) => void endListeners.push(listener),
  };
}

/** A shell on another node: an exec with a TTY into its agent's node shell. No pod is created. */
export async function openNodeShell(
  config: KubeConfig,
  node: string,
  command: string[],
  columns: number,
  rows: number,
  options: { enterHost: string[]; keepaliveMs: number },
): Promise<ShellProcess> {
  const pod = await agentPod(config, node);
  const stream = await openExec(
    config,
    {
      namespace: AGENT_NAMESPACE,
      pod,
      container: NODE_SHELL_CONTAINER,
      command: [...options.enterHost, ...command],
      tty: true,
    },
    { keepaliveMs: options.keepaliveMs },
  );
  stream.resize(columns, rows);
  return stream;
}
