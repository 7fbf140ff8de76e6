import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { displaySecretsFromSession } from '../apps/index.js';
import { hardwareFromSettings } from '../hardware/index.js';
import { CecClient } from '../hardware/drivers/index.js';
import { createHost, packageRoot, startWebHost } from '../host/index.js';

const HELP = `usage: kubedesk serve [--listen ADDRESS] [--port PORT] [--token TOKEN | --token-file FILE]

Serves the Kubedesk shell over HTTP and WebSocket.
  --listen ADDRESS    address to listen on (default 127.0.0.1); beyond loopback a token is required
  --port PORT         port (default 7420; 0 picks a free one)
  --token TOKEN       every request must present it (at least 16 characters); also KUBEDESK_TOKEN
  --token-file FILE   read the token from FILE
  --hardware URL      the hardware controller (Hardware API v1); also KUBEDESK_HARDWARE_URL
  --hardware-token-file FILE   its token; also KUBEDESK_HARDWARE_TOKEN
  --hardware-drivers FILE      gear without the API: HDMI-CEC, a serial matrix, Tasmota or Shelly plugs
  --cec DEVICE        make a node the TV's active source on a display switch (nodes' cec: in kubedesk-hardware)
  --display DISPLAY   the X display the keyboard types into (default DISPLAY; none: no keyboard)
  --node-shell-direct run terminals in the node shell container itself, without nsenter into the
                      host (the local cluster's simulated Pis, which have no host PID 1 to enter)`;

export const DEFAULT_PORT = 7420;

export async function readToken(values: { token?: string; 'token-file'?: string }): Promise<string | undefined> {
  if (values.token !== undefined && values['token-file'] !== undefined) {
    throw new Error('give --token or --token-file, not both');
  }
  if (values['token-file'] !== undefined) {
    const text = (await readFile(values['token-file'], 'utf8')).trim();
    if (text === '') {
      throw new Error(`token file ${values['token-file']} is empty`);
    }
    return text;
  }
  return values.token ?? (process.env.KUBEDESK_TOKEN || undefined);
}

export function parsePort(text: string | undefined, fallback: number): number {
  if (text === undefined) {
    return fallback;
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535, not "${text}"`);
  }
  return port;
}

/** Waits for SIGINT or SIGTERM, then runs `stop`. */
export function untilSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const finish = (signal: NodeJS.Signals) => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      console.error(`\n${signal}: stopping`);
      void stop().then(() => resolve(0));
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
  });
}

export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      hardware: { type: 'string' },
      'hardware-token-file': { type: 'string' },
      'hardware-drivers': { type: 'string' },
      cec: { type: 'string' },
      display: { type: 'string' },
      'node-shell-direct': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const token = await readToken(values);
  const hardware = await hardwareFromSettings({
    url: values.hardware,
    tokenFile: values['hardware-token-file'],
    driversFile: values['hardware-drivers'],
  });
  const display = values.display === 'none' ? null : values.display || process.env.DISPLAY || null;
  const cec = values.cec === undefined ? undefined : new CecClient({ device: values.cec });
  const host = await createHost({
    host: 'web',
    display,
    // What x11-mode and audio apps need to reach this display, from the X session's cookies.
    ...(display ? { displaySecrets: await displaySecretsFromSession(display) } : {}),
    ...(hardware ? { hardware } : {}),
    ...(cec ? { desk: { cec } } : {}),
    ...(values['node-shell-direct'] ? { terminal: { enterHost: [] } } : {}),
  });
  const web = await startWebHost({
    api: host.api,
    openPeer: host.openPeer,
    pairing: host.pairing,
    staticDir: join(packageRoot(), 'dist', 'renderer'),
    ...(values.listen !== undefined ? { listen: values.listen } : {}),
    port: parsePort(values.port, DEFAULT_PORT),
    ...(token !== undefined ? { token } : {}),
    log: (line) => console.error(line),
  }).catch(async (error: unknown) => {
    await host.dispose();
    throw error;
  });
  console.log(`Kubedesk is serving at ${web.url}`);
  // What the status pill shows, the terminal shows too: a bad kubeconfig is said here as well.
  let lastClusterState = '';
  host.api.cluster.onStatus((status) => {
    if (status.state !== lastClusterState) {
      lastClusterState = status.state;
      console.error(`cluster: ${status.state === 'live' ? `live (${status.server ?? '?'})` : status.message}`);
    }
  });
  return untilSignal(async () => {
    await web.close();
    await host.dispose();
  });
}
