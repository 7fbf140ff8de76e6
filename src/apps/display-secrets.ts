import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The cookies of this display node's X server and PulseAudio, as the X session left them, for
 * x11-mode and audio apps (published as Secrets by the apps capability). Either may be missing:
 * a display without TCP or without sound simply offers less.
 */
export async function displaySecretsFromSession(
  display: string | null,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<{ x11Cookie?: string; pulseCookie?: Buffer }> {
  const secrets: { x11Cookie?: string; pulseCookie?: Buffer } = {};
  if (display) {
    try {
      // `xauth -n list :0` → "host/unix:0  MIT-MAGIC-COOKIE-1  0123…"; -n keeps addresses numeric.
      const { stdout } = await run('xauth', ['-n', 'list', display], { env: environment, timeout: 5_000 });
      const cookie = stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .find((fields) => fields[1] === 'MIT-MAGIC-COOKIE-1')?.[2];
      if (cookie && /^[0-9a-f]+$/i.test(cookie)) {
        secrets.x11Cookie = cookie;
      }
    } catch {
      // no xauth, or no cookie for this display: x11-mode apps will not be let in
    }
  }
  const cookieFile = environment.PULSE_COOKIE || join(environment.HOME || homedir(), '.config', 'pulse', 'cookie');
  try {
    secrets.pulseCookie = await readFile(cookieFile);
  } catch {
    // no PulseAudio cookie: audio apps get no sound server
  }
  return secrets;
}
