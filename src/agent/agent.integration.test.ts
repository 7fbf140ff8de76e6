import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigPath } from '../../test/support/kube.js';
import { kubeRequest, loadKubeconfig, type KubeNode } from '../cluster/index.js';
import { startAgent, type Agent } from './index.js';

describe('the node agent on the local cluster', () => {
  let root: string;
  let agent: Agent | undefined;
  const config = () => loadKubeconfig({ path: kubeconfigPath() }).config;
  const annotations = async () =>
    (await kubeRequest<KubeNode>(config(), { path: '/api/v1/nodes/pi-2' })).metadata.annotations ?? {};

  /** Replaces the reading atomically, as sysfs does: the agent never reads a half-written file. */
  async function setTemperature(celsius: number): Promise<void> {
    const file = join(root, 'sys', 'class', 'thermal', 'thermal_zone0', 'temp');
    await writeFile(`${file}.new`, `${Math.round(celsius * 1000)}\n`);
    await rename(`${file}.new`, file);
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kubedesk-agent-'));
    await mkdir(join(root, 'sys', 'class', 'thermal', 'thermal_zone0'), { recursive: true });
    await mkdir(join(root, 'proc', 'device-tree'), { recursive: true });
    await writeFile(join(root, 'proc', 'device-tree', 'model'), 'Raspberry Pi 4 Model B Rev 1.4\0');
    // A vcgencmd of the same output format as the real one, reporting under-voltage now.
    await writeFile(join(root, 'vcgencmd'), '#!/bin/sh\necho throttled=0x50005\n', { mode: 0o755 });
  });
  afterAll(async () => {
    agent?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('turns sensor readings into node annotations, at the bounded rate', async () => {
    await setTemperature(48.2);
    agent = startAgent({
      config: config(),
      nodeName: 'pi-2',
      sysfsRoot: join(root, 'sys'),
      procRoot: join(root, 'proc'),
      vcgencmd: join(root, 'vcgencmd'),
      readIntervalMs: 50,
    });
    await expect.poll(annotations, { timeout: 10_000 }).toMatchObject({
      'kubedesk.io/temperature': '48.2',
      'kubedesk.io/throttled': '0x50005',
      'kubedesk.io/model': 'Raspberry Pi 4 Model B Rev 1.4',
    });
    expect(agent.writes()).toBe(1);

    // Wobbles below 1 °C are read (every 50 ms here) but not written.
    for (const celsius of [48.6, 48.9, 47.5]) {
      await setTemperature(celsius);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(agent.writes()).toBe(1);
    expect((await annotations())['kubedesk.io/temperature']).toBe('48.2');

    // A step of a whole degree is written at once.
    await setTemperature(71.4);
    await expect.poll(async () => (await annotations())['kubedesk.io/temperature'], { timeout: 10_000 }).toBe('71.4');
    expect(agent.writes()).toBe(2);
  });
});
