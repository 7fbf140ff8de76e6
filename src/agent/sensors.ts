import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reads the SoC temperature in °C, rounded to a tenth, from sysfs (the kernel reports
 * millidegrees). `sysfsRoot` is `/sys` on a Pi and a fake tree in tests.
 */
export async function readTemperature(sysfsRoot: string): Promise<number | null> {
  try {
    const text = await readFile(join(sysfsRoot, 'class', 'thermal', 'thermal_zone0', 'temp'), 'utf8');
    const millidegrees = Number.parseInt(text.trim(), 10);
    return Number.isFinite(millidegrees) ? Math.round(millidegrees / 100) / 10 : null;
  } catch {
    return null;
  }
}

/** The board's name, e.g. "Raspberry Pi 4 Model B Rev 1.4" (the file ends in a NUL byte). */
export async function readModel(procRoot: string): Promise<string | null> {
  try {
    const text = (await readFile(join(procRoot, 'device-tree', 'model'), 'utf8')).replace(/\0/g, '').trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

/**
 * `vcgencmd get_throttled` → "0x50005", or null where there is no vcgencmd (not a Pi, or the
 * container lacks /dev/vchiq). The command is an argument array, never a shell string.
 */
export function readThrottled(command = 'vcgencmd'): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, ['get_throttled'], { timeout: 2_000 }, (error, stdout) => {
      const match = /throttled=(0x[0-9a-fA-F]+)/.exec(error ? '' : stdout);
      resolve(match ? match[1]! : null);
    });
  });
}
