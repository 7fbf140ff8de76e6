/**
 * Moving the screen on the local cluster: the simulator's HDMI and audio inputs, the display
 * label (recorded by a watch, event by event), and the real DaemonSet controller moving the
 * shell pod; a failure half-way rolled back; the hotplug label driving the move without a switch.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, LABEL_DISPLAY, LABEL_HDMI, type KubeObject } from '../cluster/index.js';
import { KubedeskError } from '../contract/index.js';
import { CecClient } from '../hardware/drivers/index.js';
import { createHardware, HardwareClient } from '../hardware/index.js';
import { packageRoot } from '../host/package.js';
import { createDesk } from '../power/desk.js';
import { HealthBoard } from '../system/index.js';
import { adminConfig, kubeconfigPath } from '../../test/support/kube.js';
import {
  applyManifest,
  deleteObjects,
  FOUR_PI_MAP,
  patchNodeLabels,
  putHardwareMap,
  recordDisplayLabel,
  shellPods,
  startSimulatedDesk,
  until,
  type SimulatedDesk,
} from '../../test/support/desk.js';
import { HARDWARE_MAP_NAME, HARDWARE_MAP_NAMESPACE } from './index.js';

const NODES = ['pi-1', 'pi-2', 'pi-3', 'pi-4'];

describe('display.switchTo on the local cluster', () => {
  let desk: SimulatedDesk;
  let manifests: KubeObject[] = [];

  beforeAll(async () => {
    const config = adminConfig();
    // The shell DaemonSet and its RBAC as shipped; the example ConfigMap is replaced by the test's.
    manifests = await applyManifest(
      config,
      join(packageRoot(), 'deploy', 'shell.yaml'),
      (object) => object.kind === 'ConfigMap',
    );
    await putHardwareMap(config, FOUR_PI_MAP);
    for (const node of NODES) {
      await patchNodeLabels(config, node, { [LABEL_DISPLAY]: node === 'pi-1' ? 'active' : null, [LABEL_HDMI]: null });
    }
    desk = await startSimulatedDesk(kubeconfigPath());
    await until(
      'hardware online',
      () => desk.hardware.current().connection,
      (connection) => connection === 'online',
    );
    await until(
      'pi-1 on the screen',
      () => desk.desk.display.status(),
      (status) => status.active === 'pi-1' && status.nodes.length === 4,
    );
    await until(
      'the shell on pi-1',
      () => shellPods(config),
      (pods) => pods.length === 1 && pods[0]!.node === 'pi-1' && pods[0]!.phase === 'Running',
    );
  });

  afterAll(async () => {
    const config = adminConfig();
    await desk?.stop();
    await deleteObjects(config, manifests);
    await deleteObjects(config, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: HARDWARE_MAP_NAME, namespace: HARDWARE_MAP_NAMESPACE } },
    ]);
    for (const node of NODES) {
      await patchNodeLabels(config, node, { [LABEL_DISPLAY]: null, [LABEL_HDMI]: null });
    }
  });

  it('switches HDMI and audio, moves the label with never two holders, and the shell follows', async () => {
    const config = adminConfig();
    const watch = await recordDisplayLabel(config);
    try {
      const status = await desk.desk.display.switchTo('pi-3');
      expect(status.active).toBe('pi-3');
      expect(status.last).toMatchObject({ to: 'pi-3', ok: true });
      expect(desk.simulator.state().hdmi.active).toBe('3');
      expect(desk.simulator.state().audio.active).toBe('3');

      await until(
        'the shell on pi-3 only',
        () => shellPods(config),
        (pods) => pods.length === 1 && pods[0]!.node === 'pi-3' && pods[0]!.phase === 'Running',
      );
      await until(
        'the watch saw pi-3 take it',
        () => watch.records.at(-1)?.holders,
        (holders) => holders?.join() === 'pi-3',
      );
      // Every state the API server went through: pi-1, nobody, pi-3 — never two at once.
      expect(watch.records.map((record) => record.holders.join() || 'none')).toEqual(['pi-1', 'none', 'pi-3']);
      expect(Math.max(...watch.records.map((record) => record.holders.length))).toBe(1);
    } finally {
      watch.stop();
    }
  });

  it('rolls back a switch that fails half-way and says what happened', async () => {
    const config = adminConfig();
    // pi-4's audio input is one the mixer does not have: HDMI switches, then audio fails.
    await putHardwareMap(config, FOUR_PI_MAP.replace('pi-4: { hdmi: "4", audio: "4"', 'pi-4: { hdmi: "4", audio: "9"'));
    await until(
      'the new map',
      () => desk.desk.map.current.nodes.get('pi-4')?.audio,
      (audio) => audio === '9',
    );
    const watch = await recordDisplayLabel(config);
    try {
      const failure = await desk.desk.display.switchTo('pi-4').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(KubedeskError);
      expect((failure as KubedeskError).message).toBe(
        `switching the screen to pi-4 failed at audio: PUT /v1/audio of ${desk.simulator.url}: no input "9"; inputs are 1, 2, 3, 4; put back: HDMI back to input 3`,
      );
      expect(desk.simulator.state().hdmi.active).toBe('3');
      expect(desk.simulator.state().audio.active).toBe('3');
      const status = await desk.desk.display.status();
      expect(status).toMatchObject({ active: 'pi-3', switching: null, last: { to: 'pi-4', ok: false } });
      // The label never moved.
      expect(watch.records.map((record) => record.holders.join())).toEqual(['pi-3']);
    } finally {
      watch.stop();
      await putHardwareMap(config, FOUR_PI_MAP);
    }
  });

  it('refuses nodes it cannot show, changing nothing', async () => {
    await putHardwareMap(adminConfig(), FOUR_PI_MAP.replace(/ {2}pi-2: .*\n/, ''));
    await until(
      'the new map',
      () => desk.desk.map.current.nodes.has('pi-2'),
      (has) => !has,
    );
    await expect(desk.desk.display.switchTo('pi-9')).rejects.toThrow(
      /failed at hdmi: the cluster has no node "pi-9"; nothing had changed/,
    );
    await expect(desk.desk.display.switchTo('pi-2')).rejects.toThrow(
      /pi-2 has no HDMI input in the kubedesk-hardware ConfigMap/,
    );
    expect(desk.simulator.state().hdmi.active).toBe('3');
    await putHardwareMap(adminConfig(), FOUR_PI_MAP);
  });
});

describe('the hotplug policy without a switch', () => {
  it('moves the screen to the node a screen was plugged into', async () => {
    const config = adminConfig();
    for (const node of NODES) {
      await patchNodeLabels(config, node, {
        [LABEL_DISPLAY]: node === 'pi-1' ? 'active' : null,
        [LABEL_HDMI]: 'disconnected',
      });
    }
    await patchNodeLabels(config, 'pi-1', { [LABEL_HDMI]: 'connected' });
    const health = new HealthBoard();
    // No hardware controller: the cable is the switch.
    const hardware = createHardware({ health });
    const cluster = createCluster({ health, kubeconfig: { path: kubeconfigPath() }, metrics: false });
    const desk = createDesk({ health, cluster, hardware });
    const watch = await recordDisplayLabel(config);
    try {
      await until(
        'the policy',
        () => desk.display.status(),
        (status) => status.hotplug === 'follow' && status.active === 'pi-1',
      );
      // The person moves the cable from pi-1 to pi-2; the agents label both.
      await patchNodeLabels(config, 'pi-1', { [LABEL_HDMI]: 'disconnected' });
      await patchNodeLabels(config, 'pi-2', { [LABEL_HDMI]: 'connected' });
      const status = await until(
        'pi-2 on the screen',
        () => desk.display.status(),
        (current) => current.active === 'pi-2' && current.switching === null,
      );
      expect(status.last).toMatchObject({ to: 'pi-2', ok: true });
      await until(
        'the watch saw pi-2 take it',
        () => watch.records.at(-1)?.holders.join(),
        (holders) => holders === 'pi-2',
      );
      expect(Math.max(...watch.records.map((record) => record.holders.length))).toBe(1);
    } finally {
      watch.stop();
      desk.dispose();
      hardware.dispose();
      cluster.dispose();
      for (const node of NODES) {
        await patchNodeLabels(config, node, { [LABEL_DISPLAY]: null, [LABEL_HDMI]: null });
      }
    }
  });
});

describe('CEC on a display switch', () => {
  it("makes the node the TV's active source, with the address from the ConfigMap", async () => {
    const config = adminConfig();
    const directory = await mkdtemp(join(tmpdir(), 'kubedesk-cec-switch-'));
    // Prints what cec-ctl prints for a transmitted message and records its arguments (see cec.test.ts).
    const program = join(directory, 'cec-ctl');
    await writeFile(
      program,
      `#!/bin/sh\necho "$@" >> ${JSON.stringify(join(directory, 'calls'))}\nprintf '\\nTransmit from Playback Device 1 to all (4 to 15):\\nACTIVE_SOURCE (0x82):\\n\\tSequence: 3 Tx Timestamp: 12.000s\\n'\n`,
    );
    await chmod(program, 0o755);
    await putHardwareMap(
      config,
      FOUR_PI_MAP.replace(
        'pi-2: { hdmi: "2", audio: "2", power: "2" }',
        'pi-2: { hdmi: "2", audio: "2", power: "2", cec: "2.0.0.0" }',
      ),
    );
    for (const node of NODES) {
      await patchNodeLabels(config, node, { [LABEL_DISPLAY]: node === 'pi-1' ? 'active' : null });
    }
    const desk = await startSimulatedDesk(kubeconfigPath());
    const health = new HealthBoard();
    const hardware = createHardware({
      health,
      backend: new HardwareClient({ url: desk.simulator.url, token: desk.simulator.token }),
    });
    const cluster = createCluster({ health, kubeconfig: { path: kubeconfigPath() }, metrics: false });
    const withCec = createDesk({
      health,
      cluster,
      hardware,
      cec: new CecClient({ command: program, device: '/dev/cec0' }),
    });
    try {
      await until(
        'ready',
        () => withCec.display.status(),
        (status) => status.active === 'pi-1' && status.nodes.length === 4,
      );
      await until(
        'hardware online',
        () => hardware.current().connection,
        (connection) => connection === 'online',
      );
      await withCec.display.switchTo('pi-2');
      expect((await readFile(join(directory, 'calls'), 'utf8')).trim()).toBe(
        '-d /dev/cec0 --skip-info --to 0 --active-source phys-addr=2.0.0.0',
      );
      expect(desk.simulator.state().hdmi.active).toBe('2');
    } finally {
      withCec.dispose();
      hardware.dispose();
      cluster.dispose();
      await desk.stop();
      await rm(directory, { recursive: true, force: true });
      await putHardwareMap(config, FOUR_PI_MAP);
      for (const node of NODES) {
        await patchNodeLabels(config, node, { [LABEL_DISPLAY]: null });
      }
    }
  });
});
