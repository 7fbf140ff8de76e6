/**
 * Power through Tasmota plugs and relay boards, over their HTTP command interface
 * (https://tasmota.github.io/docs/Commands/): `GET /cm?cmnd=Power2%20On` answers
 * `{"POWER2":"ON"}`; `Power2` alone answers the current state. With a web password set, the
 * credentials go in the query (`user=admin&password=…`); a wrong one is answered with
 * `{"WARNING":"Need user=<username>&password=<password>"}`.
 */
import { z } from 'zod';
import { KubedeskError } from '../../contract/index.js';
import { getJson } from './http.js';
import type { PowerDriver } from './types.js';

export interface TasmotaOptions {
  url: string;
  /** Kubedesk port name → Tasmota relay number (1 to 32). */
  ports: Record<string, number>;
  user?: string;
  password?: string;
  timeoutMs?: number;
}

const replySchema = z.record(z.string(), z.unknown());

export class TasmotaDriver implements PowerDriver {
  readonly description: string;
  readonly ports: string[];
  private readonly base: URL;

  constructor(private readonly options: TasmotaOptions) {
    this.base = new URL(options.url);
    this.description = `tasmota at ${this.base.origin}/`;
    this.ports = Object.keys(options.ports);
  }

  private relay(port: string): number {
    const relay = Object.hasOwn(this.options.ports, port) ? this.options.ports[port] : undefined;
    if (relay === undefined) {
      throw new KubedeskError('not-found', `${this.description} has no port "${port}"`, 'DriverError');
    }
    return relay;
  }

  /** Sends `Power<n> [value]` and reads back the relay's state from the reply. */
  private async command(port: string, value?: 'On' | 'Off'): Promise<boolean> {
    const relay = this.relay(port);
    const url = new URL('cm', this.base);
    if (this.options.user !== undefined || this.options.password !== undefined) {
      url.searchParams.set('user', this.options.user ?? 'admin');
      url.searchParams.set('password', this.options.password ?? '');
    }
    url.searchParams.set('cmnd', value === undefined ? `Power${relay}` : `Power${relay} ${value}`);
    const parsed = replySchema.safeParse(
      await getJson({
        url,
        who: this.description,
        ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
      }),
    );
    if (!parsed.success) {
      throw new KubedeskError('bad-message', `${this.description}: the reply is not a JSON object`, 'DriverError');
    }
    const reply = parsed.data;
    if (typeof reply.WARNING === 'string') {
      throw new KubedeskError(
        'unauthorized',
        `${this.description} refused the credentials: ${reply.WARNING}`,
        'DriverError',
      );
    }
    if (reply.Command === 'Unknown') {
      throw new KubedeskError(
        'not-found',
        `${this.description} has no relay ${relay} ("Power${relay}" is unknown)`,
        'DriverError',
      );
    }
    // Relay 1 answers as "POWER" on single-relay devices and "POWER1" on others.
    const state = reply[`POWER${relay}`] ?? (relay === 1 ? reply.POWER : undefined);
    if (state !== 'ON' && state !== 'OFF') {
      throw new KubedeskError(
        'bad-message',
        `${this.description}: the reply has no POWER${relay} of "ON" or "OFF": ${JSON.stringify(reply).slice(0, 120)}`,
        'DriverError',
      );
    }
    return state === 'ON';
  }

  async set(port: string, on: boolean): Promise<void> {
    const now = await this.command(port, on ? 'On' : 'Off');
    if (now !== on) {
      throw new KubedeskError(
        'unavailable',
        `${this.description}: relay for port "${port}" stayed ${now ? 'on' : 'off'}`,
        'DriverError',
      );
    }
  }

  read(port: string): Promise<boolean> {
    return this.command(port);
  }
}
