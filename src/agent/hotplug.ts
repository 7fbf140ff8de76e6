/**
 * HDMI hotplug: whether a screen is plugged into this Pi, from the kernel's DRM connectors, kept
 * fresh by udev's `change` events of the drm subsystem. The agent turns it into the node label
 * `kubedesk.io/hdmi=connected|disconnected`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type HdmiState = 'connected' | 'disconnected';

/** `card1-HDMI-A-1`: the card number changes between boots and kernels, the rest does not. */
const HDMI_CONNECTOR = /^card\d+-HDMI-A-\d+$/;

/**
 * Reads `/sys/class/drm/card*-HDMI-A-*\/status` under `sysfsRoot`. Connected when any HDMI
 * connector says `connected`; disconnected when there are connectors and none does; null when
 * the machine has no HDMI connector at all (then the label is left off).
 */
export async function readHdmi(sysfsRoot: string): Promise<HdmiState | null> {
  const folder = join(sysfsRoot, 'class', 'drm');
  let names: string[];
  try {
    names = (await readdir(folder)).filter((name) => HDMI_CONNECTOR.test(name)).sort();
  } catch {
    return null;
  }
  if (names.length === 0) {
    return null;
  }
  const states = await Promise.all(
    names.map((name) =>
      readFile(join(folder, name, 'status'), 'utf8').then(
        (text) => text.trim(),
        () => 'unknown',
      ),
    ),
  );
  return states.includes('connected') ? 'connected' : 'disconnected';
}

/** Something that says "the connectors may have changed": udev, or a test. */
export interface HotplugSource {
  start(onChange: () => void, onError: (message: string) => void): void;
  stop(): void;
}

/** One line of `udevadm monitor --udev`: `UDEV  [2337.482918] change   /devices/…/drm/card1 (drm)`. */
export function parseUdevLine(line: string): { action: string; path: string; subsystem: string } | null {
  const match = /^UDEV\s+\[[\d.]+\]\s+(\w+)\s+(\S+)\s+\(([\w-]+)\)\s*$/.exec(line);
  return match ? { action: match[1]!, path: match[2]!, subsystem: match[3]! } : null;
}

/** udevadm that exits is started again after this: a restart loop must not spin. */
export const UDEVADM_RESTART_MS = 5_000;

/**
 * udev's drm events, from `udevadm monitor --subsystem-match=drm --udev` as a child process
 * (an argument array). It needs the host's udev socket: the DaemonSet mounts /run/udev.
 */
export function udevadmSource(command = 'udevadm'): HotplugSource {
  let child: ChildProcess | undefined;
  let stopped = false;
  let restart: ReturnType<typeof setTimeout> | undefined;
  return {
    start(onChange, onError) {
      const launch = () => {
        if (stopped) {
          return;
        }
        const started = spawn(command, ['monitor', '--subsystem-match=drm', '--udev'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child = started;
        createInterface({ input: started.stdout! }).on('line', (line) => {
          const event = parseUdevLine(line);
          if (
            event &&
            event.subsystem === 'drm' &&
            (event.action === 'change' || event.action === 'add' || event.action === 'remove')
          ) {
            onChange();
          }
        });
        started.stderr!.resume();
        started.once('error', (error) => onError(`${command}: ${error.message}`));
        started.once('exit', (code, signal) => {
          child = undefined;
          if (!stopped) {
            onError(`${command} monitor ended (${signal ?? `exit ${code}`}); starting it again`);
            restart = setTimeout(launch, UDEVADM_RESTART_MS);
          }
        });
      };
      launch();
    },
    stop() {
      stopped = true;
      clearTimeout(restart);
      child?.kill('SIGTERM');
    },
  };
}
