import { appsSpec, type AppsApi } from './apps.js';
import { clusterSpec, type ClusterApi } from './cluster.js';
import { displaySpec, type DisplayApi } from './display.js';
import { hardwareSpec, type HardwareApi } from './hardware.js';
import { inputSpec, pairingSpec, type InputApi, type PairingApi } from './input.js';
import { powerSpec, type PowerApi } from './power.js';
import { screenSpec, type ScreenApi } from './screen.js';
import { shellSpec, type ShellApi } from './shell.js';
import type { CapabilitySpec } from './spec.js';
import { systemSpec, type SystemApi } from './system.js';
import { terminalSpec, type TerminalApi } from './terminal.js';

export * from './apps.js';
export * from './cluster.js';
export * from './display.js';
export * from './errors.js';
export * from './events.js';
export * from './input.js';
export * from './hardware.js';
export * from './power.js';
export * from './screen.js';
export * from './shell.js';
export * from './spec.js';
export * from './system.js';
export * from './terminal.js';

/**
 * Everything the shell can ask of its host. Each member is one capability; later capabilities
 * (cluster, apps, display, hardware, input, terminal) join here as they become real.
 */
export interface HostApi {
  system: SystemApi;
  cluster: ClusterApi;
  apps: AppsApi;
  screen: ScreenApi;
  shell: ShellApi;
  hardware: HardwareApi;
  display: DisplayApi;
  power: PowerApi;
  input: InputApi;
  pairing: PairingApi;
  terminal: TerminalApi;
}

export type ContractSpec<Api> = { [K in keyof Api]: CapabilitySpec<Api[K]> };

/** The schemas of every capability, keyed like `HostApi`. */
export const hostSpec: ContractSpec<HostApi> = {
  system: systemSpec,
  cluster: clusterSpec,
  apps: appsSpec,
  screen: screenSpec,
  shell: shellSpec,
  hardware: hardwareSpec,
  display: displaySpec,
  power: powerSpec,
  input: inputSpec,
  pairing: pairingSpec,
  terminal: terminalSpec,
};

export type CapabilityName = keyof HostApi & string;
