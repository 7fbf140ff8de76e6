/**
 * HDMI hotplug through the whole agent on the local cluster: a fake sysfs tree laid out as on a
 * Pi 4, udev events injected by the test, and the `kubedesk.io/hdmi` label read back from the
 * API server.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeRequest, LABEL_HDMI, loadKubeconfig, type KubeNode } from '../cluster/index.js';
import { kubeconfigPath } from '../../test/support/kube.js';
import { startAgent, type Agent, type HotplugSource } from './index.js';

describe('HDMI hotplug labels on the local cluster', () => {
  let root: string;
  let agent: Agent | undefined;
  let fire: () => void = () => undefined;
  const config = () => loadKubeconfig({ path: kubeconfigPath() }).config;
  const label = async () =>
    (await kubeRequest<KubeNode>(config(), { path: '/api/v1/nodes/pi-3' })).metadata.labels?.[LABEL_HDMI];
  const setStatus = (status: string) =>
    writeFile(join(root, 'sys', 'class', 'drm', 'card1-HDMI-A-1', 'status'), `${status}\n`);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kubedesk-hotplug-'));
    for (const connector of ['card1-HDMI-A-1', 'card1-HDMI-A-2', 'card1-Writeback-1']) {
      await mkdir(join(root, 'sys', 'class', 'drm', connector), { recursive: true });
      await writeFile(join(root, 'sys', 'class', 'drm', connector, 'status'), 'disconnected\n');
    }
  });
  afterAll(async () => {
    agent?.stop();
    await kubeRequest(config(), {
      method: 'PATCH',
      path: '/api/v1/nodes/pi-3',
      body: { metadata: { labels: { [LABEL_HDMI]: null } } },
    });
    await rm(root, { recursive: true, force: true });
  });

  it('labels the node when a screen is plugged in and unplugged', async () => {
    const events: HotplugSource = {
      start(onChange) {
        fire = onChange;
      },
      stop() {
        fire = () => undefined;
      },
    };
    agent = startAgent({
      config: config(),
      nodeName: 'pi-3',
      sysfsRoot: join(root, 'sys'),
      procRoot: join(root, 'proc'),
      vcgencmd: join(root, 'no-vcgencmd'),
      hotplug: events,
      // Only the injected events move it in this test.
      hotplugPollMs: 3_600_000,
    });
    await expect.poll(label, { timeout: 10_000 }).toBe('disconnected');

    await setStatus('connected');
    fire();
    await expect.poll(label, { timeout: 10_000 }).toBe('connected');

    await setStatus('disconnected');
    fire();
    await expect.poll(label, { timeout: 10_000 }).toBe('disconnected');
    expect(agent.hdmi.writes()).toBe(3);
  });
});
