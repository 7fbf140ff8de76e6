import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startHardwareSimulator, type SimulatorBehaviour } from '../hardware/index.js';
import { packageVersion } from '../host/index.js';
import { parsePort, untilSignal } from './serve.js';

/** The simulator's usual port, next to the web host's 7420. */
export const DEFAULT_SIMULATOR_PORT = 7480;

const HELP = `usage: kubedesk hardware-sim [options]

A hardware controller in software: Hardware API v1 (docs/hardware-api.yaml) over HTTP, with the
HDMI input, audio and power state kept in a JSON file. The embedded default, and the tests'
stand-in for the Arduino.

  --state FILE        where the state is kept (default ${defaultStateFile()})
  --listen ADDRESS    address to listen on (default 127.0.0.1)
  --port PORT         port (default ${DEFAULT_SIMULATOR_PORT}; 0 picks a free one)
  --token TOKEN       the bearer token every request must carry; also KUBEDESK_HARDWARE_TOKEN
  --token-file FILE   read the token from FILE (without either, a random one is made and printed)
  --inputs LIST       HDMI and audio inputs, comma-separated (default 1,2,3,4)
  --ports LIST        power ports, comma-separated (default: the inputs)
  --cycle-ms MS       how long a power cycle keeps a port off (default 2000)
  --delay-ms MS       tests: delay every answer
  --garbage KIND      tests: answer "text" that is not JSON, or JSON that is not a "schema" state`;

export function defaultStateFile(): string {
  const stateHome = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(stateHome, 'kubedesk', 'hardware-sim.json');
}

function list(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((part) => part.trim());
}

function milliseconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`--${name} must be a whole number of milliseconds, not "${text}"`);
  }
  return value;
}

function garbage(text: string | undefined): SimulatorBehaviour['garbage'] | undefined {
  if (text === undefined || text === 'none' || text === 'text' || text === 'schema') {
    return text;
  }
  throw new Error(`--garbage must be text, schema or none, not "${text}"`);
}

export async function runHardwareSim(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      state: { type: 'string' },
      listen: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      inputs: { type: 'string' },
      ports: { type: 'string' },
      'cycle-ms': { type: 'string' },
      'delay-ms': { type: 'string' },
      garbage: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.token !== undefined && values['token-file'] !== undefined) {
    throw new Error('give --token or --token-file, not both');
  }
  let token = values.token ?? (process.env.KUBEDESK_HARDWARE_TOKEN || undefined);
  if (values['token-file'] !== undefined) {
    token = (await readFile(values['token-file'], 'utf8')).trim();
  }
  const generated = token === undefined || token === '';
  token = generated ? randomBytes(18).toString('base64url') : token!;
  const delayMs = milliseconds('delay-ms', values['delay-ms']);
  const garbageKind = garbage(values.garbage);
  const inputs = list(values.inputs);
  const ports = list(values.ports);
  const cycleMs = milliseconds('cycle-ms', values['cycle-ms']);
  const simulator = await startHardwareSimulator({
    stateFile: values.state ?? defaultStateFile(),
    token,
    port: parsePort(values.port, DEFAULT_SIMULATOR_PORT),
    ...(values.listen !== undefined ? { host: values.listen } : {}),
    ...(inputs ? { inputs } : {}),
    ...(ports ? { ports } : {}),
    ...(cycleMs !== undefined ? { cycleMs } : {}),
    firmware: `kubedesk-hardware-sim ${packageVersion()}`,
    behaviour: {
      ...(delayMs !== undefined ? { delayMs } : {}),
      ...(garbageKind !== undefined ? { garbage: garbageKind } : {}),
    },
    log: (line) => console.error(line),
  });
  console.log(`Hardware simulator is serving at ${simulator.url}`);
  if (generated) {
    console.log(`token: ${token}`);
  }
  return untilSignal(() => simulator.close());
}
