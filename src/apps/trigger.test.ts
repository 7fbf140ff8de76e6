import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WARM_WAIT_SCRIPT } from './pod.js';
import { triggerLaunch } from './trigger.js';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('the warm pod waiter', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
    }
  });

  it('starts the app only for the right password, as the same process', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(
      'python3',
      ['-c', WARM_WAIT_SCRIPT, String(port), 'sh', '-c', 'echo "started as $$"', 'ignored'],
      {
        env: { PATH: process.env.PATH, POD_IP: '127.0.0.1', KUBEDESK_TRIGGER_TOKEN: 'the-session-password' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    await expect.poll(() => listening(port), { timeout: 10_000 }).toBe(true);
    expect(await triggerLaunch('127.0.0.1', port, 'wrong-password')).toBe(false);
    expect(output).toBe('');
    expect(await triggerLaunch('127.0.0.1', port, 'the-session-password')).toBe(true);
    expect(await exited).toBe(0);
    // exec: the app has the waiter's pid, so xpra's child is the app itself.
    expect(output.trim()).toBe(`started as ${child.pid}`);
  });
});
