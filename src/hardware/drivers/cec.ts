/**
 * HDMI-CEC through `cec-ctl` (v4l-utils): the TV on, to standby, and to the input of a given
 * physical address ("active source"), the commands its manual gives:
 *
 *   cec-ctl -d/dev/cecX --to 0 --image-view-on
 *   cec-ctl -d/dev/cecX --to 0 --standby
 *   cec-ctl -d/dev/cecX --to 0 --active-source phys-addr=1.0.0.0
 *
 * Always an argument array, never a shell string. cec-ctl exits 0 even when the TV did not
 * acknowledge a message, so its output is read: a transmit that failed prints its status (e.g.
 * "Tx, Not Acknowledged (4), Max Retries"); an adapter without a logical address transmits
 * nothing, so it is configured as a playback device (`--playback`) and the command tried once
 * more.
 */
import { execFile } from 'node:child_process';
import { KubedeskError } from '../../contract/index.js';
import type { SwitchDriver } from './types.js';

/** cec-ctl waits up to 1 s for a reply; configuring an adapter polls the bus for a few seconds. */
export const CEC_TIMEOUT_MS = 10_000;
/** Output kept from cec-ctl: a transmit prints a few lines, a topology a few dozen. */
const MAX_OUTPUT_BYTES = 256 * 1024;
export const PHYSICAL_ADDRESS = /^[0-9a-f]\.[0-9a-f]\.[0-9a-f]\.[0-9a-f]$/i;

export interface CecOptions {
  /** The executable: `cec-ctl` from PATH unless told otherwise. */
  command?: string;
  /** `/dev/cec0` unless told otherwise. */
  device?: string;
  /** The name the TV shows for us. */
  osdName?: string;
  timeoutMs?: number;
}

export type TvPower = 'on' | 'standby' | 'to-on' | 'to-standby' | 'unknown';

class Unconfigured extends Error {}

export class CecClient {
  readonly description: string;
  private readonly command: string;
  private readonly device: string;

  constructor(private readonly options: CecOptions = {}) {
    this.command = options.command ?? 'cec-ctl';
    this.device = options.device ?? '/dev/cec0';
    this.description = `cec-ctl on ${this.device}`;
  }

  private run(args: string[]): Promise<string> {
    const timeout = this.options.timeoutMs ?? CEC_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      execFile(
        this.command,
        ['-d', this.device, '--skip-info', ...args],
        { timeout, maxBuffer: MAX_OUTPUT_BYTES },
        (error, stdout, stderr) => {
          if (error) {
            const killed = (error as { killed?: boolean }).killed;
            const why = killed
              ? `no end within ${timeout} ms`
              : (stderr.trim().split('\n').at(-1) ?? '') || error.message;
            reject(
              new KubedeskError(
                (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'unavailable' : killed ? 'timeout' : 'unavailable',
                `${this.description}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `${this.command} is not installed (apt-get install v4l-utils)` : why}`,
                'CecError',
              ),
            );
            return;
          }
          resolve(stdout);
        },
      );
    });
  }

  /** Sends one message; fails with what cec-ctl printed when the TV did not take it. */
  private async transmit(args: string[], what: string): Promise<string> {
    const attempt = async () => {
      const output = await this.run(args);
      if (!output.includes('Transmit from')) {
        throw new Unconfigured();
      }
      // Printed only when something went wrong ("Tx, OK" alone appears in verbose mode).
      const status = /^\s+(Tx, .*)$/m.exec(output);
      if (status && status[1]!.trim() !== 'Tx, OK') {
        throw new KubedeskError('unavailable', `${this.description}: ${what} was not taken: ${status[1]}`, 'CecError');
      }
      return output;
    };
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof Unconfigured)) {
        throw error;
      }
      await this.configure();
      try {
        return await attempt();
      } catch (again) {
        if (again instanceof Unconfigured) {
          throw new KubedeskError(
            'unavailable',
            `${this.description}: the adapter has no logical address even after --playback; is an HDMI cable in?`,
            'CecError',
          );
        }
        throw again;
      }
    }
  }

  /** Claims a logical address as a playback device, as the cec-ctl manual's first example does. */
  async configure(): Promise<void> {
    await this.run(['--playback', '--osd-name', this.options.osdName ?? 'Kubedesk']);
  }

  async tvOn(): Promise<void> {
    await this.transmit(['--to', '0', '--image-view-on'], 'Image View On');
  }

  async standby(): Promise<void> {
    await this.transmit(['--to', '0', '--standby'], 'Standby');
  }

  /** Makes the TV show the input at `physicalAddress` (e.g. "2.0.0.0" for its HDMI 2). */
  async activeSource(physicalAddress: string): Promise<void> {
    if (!PHYSICAL_ADDRESS.test(physicalAddress)) {
      throw new KubedeskError(
        'bad-arguments',
        `a CEC physical address is four hex digits with dots, like 2.0.0.0, not "${physicalAddress}"`,
        'CecError',
      );
    }
    await this.transmit(['--to', '0', '--active-source', `phys-addr=${physicalAddress}`], 'Active Source');
  }

  /** The TV's power state, as it reports it (`REPORT_POWER_STATUS`). */
  async tvPower(): Promise<TvPower> {
    const output = await this.transmit(['--to', '0', '--give-device-power-status'], 'Give Device Power Status');
    const state = /pwr-state: ([a-z -]+?) \(0x0([0-3])\)/.exec(output);
    return state ? (['on', 'standby', 'to-on', 'to-standby'] as const)[Number(state[2])]! : 'unknown';
  }
}

/**
 * A TV with several HDMI inputs as the switch: each Kubedesk input is a physical address, and
 * selecting it wakes the TV and makes that address the active source.
 */
export class CecSwitch implements SwitchDriver {
  readonly description: string;
  readonly inputs: string[];
  private last: string | null = null;

  constructor(
    private readonly cec: CecClient,
    /** Kubedesk input name → the physical address of the TV input it is plugged into. */
    private readonly addresses: Record<string, string>,
  ) {
    this.description = cec.description;
    this.inputs = Object.keys(addresses);
    for (const [input, address] of Object.entries(addresses)) {
      if (!PHYSICAL_ADDRESS.test(address)) {
        throw new KubedeskError(
          'bad-arguments',
          `cec input "${input}": "${address}" is not a physical address like 2.0.0.0`,
        );
      }
    }
  }

  async select(input: string): Promise<void> {
    const address = Object.hasOwn(this.addresses, input) ? this.addresses[input] : undefined;
    if (address === undefined) {
      throw new KubedeskError('not-found', `no input "${input}"; inputs are ${this.inputs.join(', ')}`, 'CecError');
    }
    await this.cec.tvOn();
    await this.cec.activeSource(address);
    this.last = input;
  }

  /** CEC cannot ask a TV which input it shows: the last one chosen here. */
  async read(): Promise<string | null> {
    return this.last;
  }
}
