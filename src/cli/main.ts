/** A subcommand: gets its own arguments, returns the exit code. */
type Command = (argv: string[]) => Promise<number>;

/**
 * Each command's module is loaded only when it runs: `kubedesk kps` need not load the web host,
 * X11 and the app machinery before it can ask the nodes anything.
 */
const commands: Record<string, { summary: string; run: Command }> = {
  serve: {
    summary: 'serve the shell over HTTP and WebSocket (the web host)',
    run: async (argv) => (await import('./serve.js')).runServe(argv),
  },
  apps: {
    summary: 'apps import FILE.desktop: a freedesktop entry as a DesktopApp',
    run: async (argv) => (await import('./apps.js')).runApps(argv),
  },
  demo: {
    summary: 'the embedded default: local cluster and web host (npm start)',
    run: async (argv) => (await import('./demo.js')).runDemo(argv),
  },
  agent: {
    summary: 'the node agent: Pi health to node annotations (runs as a DaemonSet)',
    run: async (argv) => (await import('./agent.js')).runAgent(argv),
  },
  'hardware-sim': {
    summary: 'a hardware controller in software: Hardware API v1 with state in a file',
    run: async (argv) => (await import('./hardware-sim.js')).runHardwareSim(argv),
  },
  cluster: {
    summary: 'the local Kubernetes cluster of simulated Pis: up, down, status',
    run: async (argv) => (await import('./cluster.js')).runClusterCommand(argv),
  },
  kps: {
    summary: 'host processes of every node, with a NODE column (--watch, --kill NODE:PID)',
    run: async (argv) => (await import('./kps.js')).runKps(argv),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return [
    'usage: kubedesk <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'kubedesk <command> --help for its options',
  ].join('\n');
}

/** Entry of the `kubedesk` command; returns the exit code instead of exiting, for tests. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    console.error(`kubedesk: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    console.error(`kubedesk ${name}: ${(error as Error).message}`);
    return 1;
  }
}
