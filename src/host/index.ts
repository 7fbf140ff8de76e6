import { hostname } from 'node:os';
import { hostSpec, KubedeskError, type HostApi, type ShellApi, type SystemInfo } from '../contract/index.js';
import { createApps } from '../apps/index.js';
import { createCluster, type ClusterOptions } from '../cluster/index.js';
import { createHardware, type HardwareBackend } from '../hardware/index.js';
import { createDesk, type DeskOptions } from '../power/desk.js';
import {
  createInput,
  PairingAuthority,
  unavailableInput,
  type InjectorOptions,
  type InputService,
} from '../input/index.js';
import { createScreen } from '../screen/index.js';
import { createSystem, HealthBoard } from '../system/index.js';
import { createTerminal, type TerminalOptions } from '../terminal/index.js';
import { packageVersion } from './package.js';

export { packageRoot, packageVersion } from './package.js';
export { startWebHost, type WebHost, type WebHostOptions } from './web.js';

/** The web host's `shell`: it has no windows of its own, so every call says so. */
function noShell(): ShellApi {
  const unavailable = () =>
    Promise.reject(new KubedeskError('unavailable', 'only the Electron shell has windows of its own', 'Unavailable'));
  return {
    setKeyboardVisible: unavailable,
    openTerminal: unavailable,
    onKeyboardVisible: () => ({ dispose() {} }),
  };
}

export interface HostOptions {
  /** The Electron shell's windows (main/), absent in the web host. */
  shell?: ShellApi;
  host: SystemInfo['host'];
  /** The Kubernetes node this host runs on; the DaemonSet passes it as KUBEDESK_NODE_NAME. */
  nodeName?: string;
  /** Where the kubeconfig is; by default KUBECONFIG, ~/.kube/config or in-cluster. */
  kubeconfig?: ClusterOptions['kubeconfig'];
  /** Poll metrics.k8s.io (default on). */
  metrics?: boolean;
  /** The hardware controller (HDMI switch, audio, power); without one, hardware is unconfigured. */
  hardware?: HardwareBackend;
  /**
   * The X display on-screen and paired keyboards type into; DISPLAY by default. Null: none,
   * and the host does not offer `input`.
   */
  display?: string | null;
  /** Timing of warm pools and idle stops (tests shorten them). */
  apps?: { idleMinuteMs?: number; housekeepingMs?: number };
  /** PulseAudio's TCP port on this display node, for audio apps. */
  pulsePort?: number;
  /** The display's cookies for x11-mode and audio apps (see AppsOptions). */
  displaySecrets?: { x11Cookie?: string; pulseCookie?: Buffer };
  /** Where capabilities tell what they did and what went wrong (the CLI's stderr). */
  log?: (line: string) => void;
  /** Injection tuning (tests and benchmarks). */
  injector?: InjectorOptions;
  /** Screen switching and node power: CEC, the clean shutdown, timeouts. */
  desk?: Pick<DeskOptions, 'cec' | 'shutdown' | 'powerTimeouts'>;
  /** Terminals: where history is kept, how node shells enter the host, keep-alive. */
  terminal?: Omit<TerminalOptions, 'config' | 'nodeName'>;
}

/** One peer's own view of the host: the same capabilities, with its own held keys. */
export interface PeerSession {
  api: HostApi;
  /** Lets go of everything the peer held; called when it disconnects. */
  dispose(): void;
}

export interface PeerScope {
  /** A paired device: its key use is noted against it. */
  deviceId?: string;
}

export interface Host {
  /** The host's own view, for its process (the CLI); peers get theirs from `openPeer`. */
  api: HostApi;
  health: HealthBoard;
  /** Phones paired as keyboards; the web host checks their tokens against it. */
  pairing: PairingAuthority;
  /** The keyboard service, when there is an X display. */
  input: InputService | undefined;
  openPeer(scope?: PeerScope): PeerSession;
  dispose(): Promise<void>;
}

/** Composes the capabilities into one `HostApi`, the same for Electron and the web host. */
export async function createHost(options: HostOptions): Promise<Host> {
  const health = new HealthBoard();
  const nodeName = options.nodeName ?? process.env.KUBEDESK_NODE_NAME ?? hostname();
  const display = options.display === undefined ? process.env.DISPLAY || null : options.display;
  // Without an X display there is nothing to type into: the shell shows the keyboard disabled.
  // The shell capability exists only where a main process has windows to move (Electron).
  const capabilities = Object.keys(hostSpec).filter(
    (name) =>
      (display !== null || (name !== 'input' && name !== 'pairing' && name !== 'screen')) &&
      (name !== 'shell' || options.shell !== undefined),
  );
  const system = createSystem({
    version: packageVersion(),
    nodeName,
    host: options.host,
    capabilities,
    health,
  });
  const cluster = createCluster({
    health,
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
  });
  const apps = createApps({
    config: cluster.config,
    health,
    nodeName,
    x11Display: display,
    ...(options.displaySecrets ? { displaySecrets: options.displaySecrets } : {}),
    ...(options.pulsePort !== undefined ? { pulsePort: options.pulsePort } : {}),
    ...options.apps,
    ...(options.log ? { log: options.log } : {}),
  });
  const screen = createScreen({ display, nodeName, health });
  const hardware = createHardware({ health, ...(options.hardware ? { backend: options.hardware } : {}) });
  const desk = createDesk({ health, cluster, hardware, ...options.desk, ...(options.log ? { log: options.log } : {}) });
  const pairing = new PairingAuthority();
  const terminal = createTerminal({ config: cluster.config, nodeName, ...options.terminal });
  const input =
    display === null
      ? undefined
      : createInput({ display, health, ...(options.injector ? { injector: options.injector } : {}) });
  const noInput = unavailableInput('this host has no X display to type into (set DISPLAY)');
  const api: HostApi = {
    system,
    cluster: cluster.api,
    apps: apps.api,
    screen: screen.api,
    hardware: hardware.api,
    display: desk.display,
    power: desk.power,
    input: noInput,
    pairing: pairing.api(),
    terminal: terminal.api,
    shell: options.shell ?? noShell(),
  };
  const own = input?.forPeer();
  if (own) {
    api.input = own.api;
  }

  function openPeer(scope: PeerScope = {}): PeerSession {
    const { deviceId } = scope;
    const peer = input?.forPeer(deviceId === undefined ? {} : { onUse: () => pairing.used(deviceId) });
    // A peer's tabs outlive it for a while, so a reload or a reconnect finds the same shells.
    const terminalPeer = terminal.forPeer();
    return {
      api: { ...api, input: peer?.api ?? noInput, terminal: terminalPeer.api },
      dispose: () => {
        peer?.dispose();
        terminalPeer.dispose();
      },
    };
  }

  return {
    api,
    health,
    pairing,
    input,
    openPeer,
    async dispose() {
      own?.dispose();
      await terminal.dispose();
      pairing.dispose();
      await input?.dispose();
      desk.dispose();
      hardware.dispose();
      await apps.dispose();
      await screen.dispose();
      cluster.dispose();
    },
  };
}
