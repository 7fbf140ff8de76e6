/**
 * Drivers for gear that does not speak Hardware API v1. Each drives one part of the desk; the
 * composite backend (composite.ts) puts them together behind the same interface as the API
 * client, so the rest of Kubedesk cannot tell the difference.
 */

/** Something that picks which input the screen shows: a matrix switch, or a TV through CEC. */
export interface SwitchDriver {
  /** For the status line: "serial matrix on /dev/ttyUSB0", "cec-ctl on /dev/cec0". */
  readonly description: string;
  /** The input names Kubedesk uses (the `kubedesk-hardware` ConfigMap refers to them). */
  readonly inputs: string[];
  select(input: string): Promise<void>;
  /** The input shown now, if the gear can tell; null when it cannot. */
  read(): Promise<string | null>;
}

/** Power for some ports: a smart plug, a relay board. */
export interface PowerDriver {
  readonly description: string;
  /** The port names Kubedesk uses. */
  readonly ports: string[];
  set(port: string, on: boolean): Promise<void>;
  read(port: string): Promise<boolean>;
}
