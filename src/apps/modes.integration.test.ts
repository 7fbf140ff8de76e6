/**
 * The two other ways an app reaches the display node: x11 mode (the app draws straight onto the
 * display's X server over TCP, with the display's cookie) and sound (PULSE_SERVER pointing at the
 * display's PulseAudio over TCP, with its cookie). Both through Secrets the shell publishes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeRequest, type KubeNode } from '../cluster/index.js';
import { createHost, type Host } from '../host/index.js';
import { installDesktopApp, removeDesktopApps } from '../../test/support/apps.js';
import { adminConfig, kubeconfigPath, kubectl } from '../../test/support/kube.js';
import { track } from '../../test/support/processes.js';
import { startXSession, xdotool, type XSession } from '../../test/support/xsession.js';

const run = promisify(execFile);
const SCREENS = { first: 80, last: 89 };

describe('x11 mode and sound', () => {
  let screen: XSession;
  let host: Host;
  let pulse: ChildProcess;
  let pulseFolder: string;
  let pulseServer: string;
  const marker = `kd-x11-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    screen = await startXSession(SCREENS, { tcp: true });
    // Every X client of this process (the window tracker, xdotool) shows the cookie too.
    process.env.XAUTHORITY = screen.authority;

    // The display node's PulseAudio: a null sink as its HDMI output, TCP on pi-1's own address.
    const node = await kubeRequest<KubeNode>(adminConfig(), { path: '/api/v1/nodes/pi-1' });
    const address = node.status!.addresses!.find((entry) => entry.type === 'InternalIP')!.address;
    pulseFolder = await mkdtemp(join(tmpdir(), 'kubedesk-pulse-'));
    const cookie = randomBytes(256);
    await writeFile(join(pulseFolder, 'cookie'), cookie);
    const pulsePort = 14700 + Math.floor(Math.random() * 200);
    pulseServer = `tcp:${address}:${pulsePort}`;
    await writeFile(
      join(pulseFolder, 'display.pa'),
      [
        'load-module module-null-sink sink_name=hdmi_sim',
        'set-default-sink hdmi_sim',
        `load-module module-native-protocol-unix socket=${join(pulseFolder, 'native')}`,
        `load-module module-native-protocol-tcp port=${pulsePort} listen=${address} auth-anonymous=0 auth-cookie=${join(pulseFolder, 'cookie')} auth-cookie-enabled=1`,
      ].join('\n') + '\n',
    );
    await mkdir(join(pulseFolder, 'home'), { recursive: true });
    pulse = spawn(
      'pulseaudio',
      ['-n', '-F', join(pulseFolder, 'display.pa'), '--daemonize=no', '--exit-idle-time=-1'],
      {
        env: { ...process.env, HOME: join(pulseFolder, 'home'), XDG_RUNTIME_DIR: pulseFolder },
        stdio: 'ignore',
      },
    );
    track(pulse);

    await installDesktopApp('x11-terminal', {
      displayName: 'X11 Terminal',
      image: 'xterm:test',
      displayMode: 'x11',
      command: ['xterm', '-T', marker],
    });
    await installDesktopApp('sound-check', {
      displayName: 'Sound check',
      image: 'pulse:test',
      displayMode: 'x11',
      audio: true,
      // Says whether the display's sound server took its cookie, then stays up to be read.
      command: ['sh', '-c', 'pactl info; sleep 600'],
    });
    host = await createHost({
      host: 'web',
      nodeName: 'pi-1',
      kubeconfig: { path: kubeconfigPath() },
      display: screen.display,
      metrics: false,
      displaySecrets: { x11Cookie: screen.cookie!, pulseCookie: cookie },
      pulsePort,
    });
  });

  afterAll(async () => {
    await host?.dispose();
    pulse?.kill('SIGTERM');
    await removeDesktopApps('x11-terminal', 'sound-check');
    await screen?.stop();
    await rm(pulseFolder, { recursive: true, force: true }).catch(() => undefined);
    delete process.env.XAUTHORITY;
  });

  it('draws an x11-mode app straight on the display, with the display cookie', async () => {
    await expect
      .poll(async () => (await host.api.apps.catalog()).apps.length, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(2);
    const session = await host.api.apps.launch('x11-terminal');
    await expect
      .poll(async () => xdotool(screen.display, ['search', '--onlyvisible', '--name', marker]).catch(() => ''), {
        timeout: 60_000,
      })
      .not.toBe('');
    await host.api.apps.stop(session.id);
    await expect
      .poll(async () => xdotool(screen.display, ['search', '--onlyvisible', '--name', marker]).catch(() => ''), {
        timeout: 20_000,
      })
      .toBe('');
  });

  it("gives audio apps the display's PulseAudio, and a wrong cookie is refused", async () => {
    const session = await host.api.apps.launch('sound-check');
    await expect
      .poll(async () => kubectl('logs', '-n', 'kubedesk-apps', session.id).catch(() => ''), { timeout: 60_000 })
      .toMatch(/Server Name: pulseaudio/);
    await host.api.apps.stop(session.id);
    // The same server refuses a client without the cookie: the Secret is what let the app in.
    const refused = await run('pactl', ['info'], {
      env: { ...process.env, PULSE_SERVER: pulseServer, PULSE_COOKIE: '/dev/null' },
    }).then(
      () => 'accepted',
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/Access denied|Connection refused|failure/i);
  });
});
