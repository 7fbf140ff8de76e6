import type { AudioCommand, Disposable, HardwareState, KubedeskError } from '../contract/index.js';

/** What the hardware capability needs of a controller, whether it speaks the API or is driven by drivers. */
export interface HardwareBackend {
  /** Where it is, for the status line: "http://10.0.0.20/" or "drivers: cec-ctl, tasmota". */
  readonly description: string;
  read(): Promise<HardwareState>;
  setHdmi(input: string): Promise<HardwareState>;
  setAudio(command: AudioCommand): Promise<HardwareState>;
  setPower(port: string, on: boolean): Promise<HardwareState>;
  cyclePower(port: string): Promise<HardwareState>;
  /**
   * Follows the state: `onState` with the current state as soon as it is known and on every
   * change; `onDown` when it cannot (then it tries again by itself, with backoff, until disposed).
   */
  watch(handlers: WatchHandlers): Watch;
}

export interface WatchHandlers {
  onState(state: HardwareState): void;
  onDown(error: KubedeskError): void;
}

export interface Watch extends Disposable {
  /** Skips the wait of the backoff: something suggests the controller is back. */
  retryNow(): void;
}
