import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Displays the demo may take for its screen; the first free one wins. */
export const DEMO_DISPLAYS = { first: 20, last: 29 };
const START_TIMEOUT_MS = 10_000;

export interface DisplayServer {
  /** ":20" */
  display: string;
  stop(): Promise<void>;
}

function displayFree(number: number): boolean {
  return !existsSync(`/tmp/.X11-unix/X${number}`) && !existsSync(`/tmp/.X${number}-lock`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The display node's screen for a machine without one: Xvfb at 1920×1080 (what the HDMI screen
 * would be) and openbox as its window manager, so app windows get frames, focus and EWMH.
 */
export async function startDisplayServer(log: (line: string) => void = () => undefined): Promise<DisplayServer> {
  let number = DEMO_DISPLAYS.first;
  while (number <= DEMO_DISPLAYS.last && !displayFree(number)) {
    number++;
  }
  if (number > DEMO_DISPLAYS.last) {
    throw new Error(`no free X display from :${DEMO_DISPLAYS.first} to :${DEMO_DISPLAYS.last}`);
  }
  const display = `:${number}`;
  const xvfb = spawn('Xvfb', [display, '-screen', '0', '1920x1080x24', '-nolisten', 'tcp', '-noreset'], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!existsSync(`/tmp/.X11-unix/X${number}`)) {
    if (xvfb.exitCode !== null || Date.now() > deadline) {
      await stopChild(xvfb);
      throw new Error(`Xvfb did not start on ${display} (is the xvfb package installed?)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const windowManager = spawn('openbox', [], { stdio: 'ignore', env: { ...process.env, DISPLAY: display } });
  windowManager.on('error', (error) => log(`openbox: ${error.message}`));
  return {
    display,
    async stop() {
      await stopChild(windowManager);
      await stopChild(xvfb);
    },
  };
}
