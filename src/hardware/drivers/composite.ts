/**
 * A hardware backend made of drivers: a switch for the screen, any number of power drivers for
 * the ports. Gear of this kind has no event stream, so the state is polled. There is no audio
 * hardware behind it: the sound travels with the HDMI signal, so `audio.active` follows the
 * screen and volume and muting are kept for the shell's own use.
 */
import { KubedeskError, type AudioCommand, type HardwareState, hardwareStateSchema } from '../../contract/index.js';
import type { HardwareBackend, Watch, WatchHandlers } from '../backend.js';
import { backoffDelay, interruptibleSleep } from '../backoff.js';
import type { PowerDriver, SwitchDriver } from './types.js';

/** Smart plugs are polled every 5 s: changes made at the plug show within that. */
export const POLL_MS = 5_000;
/** A failing poll backs off to this, so a plug that is unplugged is not asked twice a second. */
export const POLL_MAX_DELAY_MS = 30_000;
/** Off time of a power cycle: long enough for a Pi's capacitors to drain. */
export const CYCLE_MS = 2_000;
const DEFAULT_VOLUME = 40;

export interface DriverBackendOptions {
  hdmi?: SwitchDriver;
  power?: PowerDriver[];
  pollMs?: number;
  cycleMs?: number;
}

export class DriverBackend implements HardwareBackend {
  readonly description: string;
  private readonly powerDrivers: PowerDriver[];
  private readonly owner = new Map<string, PowerDriver>();
  private audio = { volume: DEFAULT_VOLUME, muted: false };
  private selected: string | null = null;
  private listeners = new Set<(state: HardwareState) => void>();

  constructor(private readonly options: DriverBackendOptions) {
    this.powerDrivers = options.power ?? [];
    for (const driver of this.powerDrivers) {
      for (const port of driver.ports) {
        if (this.owner.has(port)) {
          throw new KubedeskError('conflict', `power port "${port}" is given twice (${driver.description})`);
        }
        this.owner.set(port, driver);
      }
    }
    const parts = [options.hdmi?.description, ...this.powerDrivers.map((driver) => driver.description)];
    this.description = `drivers: ${parts.filter((part) => part !== undefined).join(', ') || 'none'}`;
  }

  async read(): Promise<HardwareState> {
    const active = this.options.hdmi ? ((await this.options.hdmi.read()) ?? this.selected) : null;
    const power: Record<string, boolean> = {};
    // One plug at a time: cheap plugs on Wi-Fi drop requests that arrive together.
    for (const [port, driver] of this.owner) {
      power[port] = await driver.read(port);
    }
    const state: HardwareState = {
      hdmi: { active, inputs: [...(this.options.hdmi?.inputs ?? [])] },
      audio: { active, ...this.audio },
      power,
      firmware: this.description,
    };
    // The drivers' names came from configuration: the state must still be a valid v1 state.
    return hardwareStateSchema.parse(state);
  }

  private async changed(): Promise<HardwareState> {
    const state = await this.read();
    for (const listener of [...this.listeners]) {
      listener(state);
    }
    return state;
  }

  async setHdmi(input: string): Promise<HardwareState> {
    if (!this.options.hdmi) {
      throw new KubedeskError('not-found', 'there is no HDMI switch among the drivers', 'DriverError');
    }
    await this.options.hdmi.select(input);
    this.selected = input;
    return this.changed();
  }

  async setAudio(command: AudioCommand): Promise<HardwareState> {
    if (command.active !== undefined && command.active !== this.selected) {
      // The sound is in the HDMI signal: choosing its source means choosing the screen's.
      throw new KubedeskError(
        'bad-arguments',
        'without an audio mixer the sound follows the screen: switch HDMI instead',
        'DriverError',
      );
    }
    this.audio = {
      volume: command.volume ?? this.audio.volume,
      muted: command.muted ?? this.audio.muted,
    };
    return this.changed();
  }

  private driverOf(port: string): PowerDriver {
    const driver = this.owner.get(port);
    if (!driver) {
      throw new KubedeskError('not-found', `no power port "${port}"; ports are ${[...this.owner.keys()].join(', ')}`);
    }
    return driver;
  }

  async setPower(port: string, on: boolean): Promise<HardwareState> {
    await this.driverOf(port).set(port, on);
    return this.changed();
  }

  async cyclePower(port: string): Promise<HardwareState> {
    const driver = this.driverOf(port);
    await driver.set(port, false);
    await this.changed();
    await new Promise((resolve) => setTimeout(resolve, this.options.cycleMs ?? CYCLE_MS));
    await driver.set(port, true);
    return this.changed();
  }

  /** Polls, passing on states that differ from the last one, and reports failures once each. */
  watch(handlers: WatchHandlers): Watch {
    let stopped = false;
    let pause: ReturnType<typeof interruptibleSleep> | undefined;
    let last = '';
    const forward = (state: HardwareState) => {
      const text = JSON.stringify(state);
      if (text !== last) {
        last = text;
        handlers.onState(state);
      }
    };
    this.listeners.add(forward);
    const loop = async () => {
      let failures = 0;
      while (!stopped) {
        try {
          forward(await this.read());
          failures = 0;
        } catch (error) {
          if (stopped) {
            return;
          }
          last = '';
          const failure =
            error instanceof KubedeskError ? error : new KubedeskError('internal', (error as Error).message);
          handlers.onDown(failure);
          failures++;
        }
        const delay =
          failures === 0
            ? (this.options.pollMs ?? POLL_MS)
            : backoffDelay(failures, this.options.pollMs ?? POLL_MS, POLL_MAX_DELAY_MS);
        pause = interruptibleSleep(delay);
        if (!(await pause.done)) {
          return;
        }
      }
    };
    void loop();
    return {
      retryNow: () => pause?.wake(),
      dispose: () => {
        stopped = true;
        pause?.cancel();
        this.listeners.delete(forward);
      },
    };
  }
}
