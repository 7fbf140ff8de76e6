/**
 * Power through Shelly plugs and relays, over their local HTTP APIs:
 * - first generation (https://shelly-api-docs.shelly.cloud/gen1/): `GET /relay/0?turn=on`
 *   answers the relay's status, `{"ison":true,"has_timer":false,…}`; basic authentication when a
 *   login is set;
 * - later generations (https://shelly-api-docs.shelly.cloud/gen2/): `GET /rpc/Switch.Set?id=0&on=true`
 *   answers `{"was_on":false}`, `GET /rpc/Switch.GetStatus?id=0` answers `{"id":0,"output":true,…}`.
 *   Their login uses digest authentication, which this driver does not do: leave it off on
 *   plugs on the cluster's own network segment, or use a first-generation plug.
 */
import { z } from 'zod';
import { KubedeskError } from '../../contract/index.js';
import { describeIssues } from '../../rpc/index.js';
import { getJson } from './http.js';
import type { PowerDriver } from './types.js';

export interface ShellyOptions {
  url: string;
  generation: 1 | 2;
  /** Kubedesk port name → Shelly relay or switch id (0-based). */
  ports: Record<string, number>;
  user?: string;
  password?: string;
  timeoutMs?: number;
}

const gen1RelaySchema = z.object({ ison: z.boolean() });
const gen2StatusSchema = z.object({ id: z.number().int(), output: z.boolean() });
const gen2SetSchema = z.object({ was_on: z.boolean() });

export class ShellyDriver implements PowerDriver {
  readonly description: string;
  readonly ports: string[];
  private readonly base: URL;

  constructor(private readonly options: ShellyOptions) {
    this.base = new URL(options.url);
    this.description = `shelly (generation ${options.generation}) at ${this.base.origin}/`;
    this.ports = Object.keys(options.ports);
  }

  private id(port: string): number {
    const id = Object.hasOwn(this.options.ports, port) ? this.options.ports[port] : undefined;
    if (id === undefined) {
      throw new KubedeskError('not-found', `${this.description} has no port "${port}"`, 'DriverError');
    }
    return id;
  }

  private async get<T>(path: string, query: Record<string, string>, schema: z.ZodType<T>): Promise<T> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query)) {
      url.searchParams.set(key, value);
    }
    const reply = await getJson({
      url,
      who: this.description,
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(this.options.user !== undefined
        ? { basicAuth: { user: this.options.user, password: this.options.password ?? '' } }
        : {}),
    });
    const parsed = schema.safeParse(reply);
    if (!parsed.success) {
      throw new KubedeskError(
        'bad-message',
        `${this.description}: the reply to ${url.pathname} is not what the API documents: ${describeIssues(parsed.error)}`,
        'DriverError',
      );
    }
    return parsed.data;
  }

  async set(port: string, on: boolean): Promise<void> {
    const id = String(this.id(port));
    if (this.options.generation === 1) {
      const status = await this.get(`relay/${id}`, { turn: on ? 'on' : 'off' }, gen1RelaySchema);
      if (status.ison !== on) {
        throw new KubedeskError(
          'unavailable',
          `${this.description}: relay ${id} stayed ${status.ison ? 'on' : 'off'}`,
          'DriverError',
        );
      }
      return;
    }
    await this.get('rpc/Switch.Set', { id, on: String(on) }, gen2SetSchema);
  }

  async read(port: string): Promise<boolean> {
    const id = String(this.id(port));
    if (this.options.generation === 1) {
      return (await this.get(`relay/${id}`, {}, gen1RelaySchema)).ison;
    }
    return (await this.get('rpc/Switch.GetStatus', { id }, gen2StatusSchema)).output;
  }
}
