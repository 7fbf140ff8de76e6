import { readFile } from 'node:fs/promises';
import type { HardwareBackend } from './backend.js';
import { HardwareClient } from './client.js';
import { loadDriversFile } from './drivers/config.js';

export interface HardwareSettings {
  /** `--hardware URL`, or KUBEDESK_HARDWARE_URL. */
  url?: string;
  /** `--hardware-token-file FILE`; else KUBEDESK_HARDWARE_TOKEN. */
  tokenFile?: string;
  /** `--hardware-drivers FILE`: gear without the API (drivers/config.ts); instead of a URL. */
  driversFile?: string;
}

/**
 * The controller a host command should use, from its options and the environment; undefined
 * when none is configured. A URL without a token is refused: the API always asks for one.
 */
export async function hardwareFromSettings(
  settings: HardwareSettings,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<HardwareBackend | undefined> {
  const url = settings.url ?? (environment.KUBEDESK_HARDWARE_URL || undefined);
  if (settings.driversFile !== undefined) {
    if (url !== undefined) {
      throw new Error('give a hardware controller URL or a drivers file, not both');
    }
    return loadDriversFile(settings.driversFile);
  }
  if (url === undefined) {
    return undefined;
  }
  let token = environment.KUBEDESK_HARDWARE_TOKEN || undefined;
  if (settings.tokenFile !== undefined) {
    token = (await readFile(settings.tokenFile, 'utf8')).trim();
  }
  if (!token) {
    throw new Error(
      `the hardware controller at ${url} needs its token: --hardware-token-file FILE or KUBEDESK_HARDWARE_TOKEN`,
    );
  }
  return new HardwareClient({ url, token });
}
