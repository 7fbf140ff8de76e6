/**
 * Node power on the local cluster: powering pi-4 off cordons and drains it through the eviction
 * API (a PodDisruptionBudget holds it back until it allows the move), shuts it down, waits for
 * NotReady and switches the simulator's port off; powering it on switches the port on, waits
 * for the new boot and uncordons. The simulated Pis follow their ports (simulated-power.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeRequest, type KubeNode } from '../cluster/index.js';
import { KubedeskError, type NodePower, type PowerPhase } from '../contract/index.js';
import { HardwareClient } from '../hardware/index.js';
import { adminConfig, kubeconfigPath, testNamespace } from '../../test/support/kube.js';
import { FOUR_PI_MAP, putHardwareMap, startSimulatedDesk, until, type SimulatedDesk } from '../../test/support/desk.js';
import { startPowerSimulation, type PowerSimulation } from './simulated-power.js';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { nodeName?: string };
}

describe('node power on the local cluster', () => {
  let desk: SimulatedDesk;
  let simulation: PowerSimulation | undefined;
  let namespace: string;
  const seen = new Map<string, NodePower[]>();
  const phases: PowerPhase[] = [];

  const node = async (name: string) =>
    kubeRequest<KubeNode & { spec?: { unschedulable?: boolean } }>(adminConfig(), { path: `/api/v1/nodes/${name}` });
  const ready = (found: KubeNode) => found.status?.conditions?.find((condition) => condition.type === 'Ready')?.status;
  const podsOn = async (name: string) =>
    (await kubeRequest<{ items: Pod[] }>(adminConfig(), { path: `/api/v1/namespaces/${namespace}/pods` })).items
      .filter((pod) => pod.spec?.nodeName === name && pod.metadata.deletionTimestamp === undefined)
      .map((pod) => pod.metadata.name)
      .sort();
  const power = (name: string) => seen.get('latest')?.find((entry) => entry.node === name);

  beforeAll(async () => {
    const config = adminConfig();
    namespace = await testNamespace('power');
    await putHardwareMap(config, FOUR_PI_MAP);
    desk = await startSimulatedDesk(kubeconfigPath(), {
      shutdown: (name) => simulation!.shutdown(name),
      powerTimeouts: { drainTimeoutMs: 3_000, evictionRetryMs: 250, shutdownTimeoutMs: 10_000, bootTimeoutMs: 20_000 },
    });
    simulation = startPowerSimulation({
      config,
      hardware: new HardwareClient({ url: desk.simulator.url, token: desk.simulator.token }),
    });
    desk.desk.power.onNodes((list) => {
      seen.set('latest', list);
      for (const entry of list) {
        const phase = entry.operation?.phase;
        if (entry.node === 'pi-4' && phase && phases.at(-1) !== phase) {
          phases.push(phase);
        }
      }
    });
    await until(
      'hardware online',
      () => desk.hardware.current().connection,
      (connection) => connection === 'online',
    );
    await until(
      'pi-4 on port 4, on',
      () => power('pi-4'),
      (entry) => entry?.port === '4' && entry.on === true,
    );

    // Two web pods on pi-4, held by a budget that allows no disruption; a DaemonSet pod beside them.
    for (const name of ['web-1', 'web-2']) {
      await kubeRequest(config, {
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/pods`,
        body: {
          metadata: { name, labels: { app: 'web' } },
          spec: { nodeName: 'pi-4', containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
        },
      });
    }
    await kubeRequest(config, {
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${namespace}/daemonsets`,
      body: {
        metadata: { name: 'node-exporter' },
        spec: {
          selector: { matchLabels: { app: 'node-exporter' } },
          template: {
            metadata: { labels: { app: 'node-exporter' } },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': 'pi-4' },
              containers: [{ name: 'exporter', image: 'registry.invalid/exporter:1' }],
            },
          },
        },
      },
    });
    await kubeRequest(config, {
      method: 'POST',
      path: `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`,
      body: { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } },
    });
    await until(
      'three pods on pi-4',
      () => podsOn('pi-4'),
      (pods) => pods.length === 3,
    );
    // The disruption controller must have looked at the budget before it can refuse anything.
    await until(
      'the budget counted',
      () =>
        kubeRequest<{ status?: { currentHealthy?: number } }>(config, {
          path: `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/web`,
        }),
      (budget) => budget.status?.currentHealthy === 2,
    );
  });

  afterAll(async () => {
    simulation?.stop();
    await desk?.stop();
    await kubeRequest(adminConfig(), {
      method: 'PATCH',
      path: '/api/v1/nodes/pi-4',
      body: { spec: { unschedulable: null } },
    }).catch(() => undefined);
  });

  it('stops at a PodDisruptionBudget, says which pods it holds, and leaves the node as it was', async () => {
    const failure = await desk.desk.power.powerOff('pi-4').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KubedeskError);
    const message = (failure as KubedeskError).message;
    expect(message).toMatch(
      new RegExp(
        `^powering pi-4 off: the drain timed out: ${namespace}/web-1 \\(.*disruption budget.*\\); ${namespace}/web-2 `,
      ),
    );
    expect(message).toMatch(/; pi-4 was uncordoned and left on$/);
    expect(power('pi-4')?.operation).toMatchObject({ action: 'off', phase: 'failed', drain: { total: 2, evicted: 0 } });
    expect((await node('pi-4')).spec?.unschedulable).toBeUndefined();
    expect(desk.simulator.state().power['4']).toBe(true);
    expect(await podsOn('pi-4')).toHaveLength(3);
  });

  it('powers pi-4 off: cordon, drain, shutdown, NotReady, then the port off', async () => {
    await kubeRequest(adminConfig(), {
      method: 'DELETE',
      path: `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/web`,
    });
    phases.length = 0;
    const result = await desk.desk.power.powerOff('pi-4');
    expect(result).toMatchObject({
      node: 'pi-4',
      port: '4',
      operation: { phase: 'done', drain: { total: 2, evicted: 2, blocked: [] } },
    });
    expect(phases).toEqual(['cordoning', 'draining', 'shutting-down', 'waiting-not-ready', 'switching-off', 'done']);
    expect(desk.simulator.state().power['4']).toBe(false);
    const off = await node('pi-4');
    expect(off.spec?.unschedulable).toBe(true);
    expect(ready(off)).toBe('False');
    // The DaemonSet's pod stays: its controller would only put it back.
    expect((await podsOn('pi-4')).filter((name) => name.startsWith('web-'))).toEqual([]);
    expect((await podsOn('pi-4')).filter((name) => name.startsWith('node-exporter-'))).toHaveLength(1);
    await until(
      'the card shows it off, no mismatch',
      () => power('pi-4'),
      (entry) => entry?.on === false && entry.mismatch === null,
    );
  });

  it('powers pi-4 on: the port, a new boot, Ready, uncordoned', async () => {
    const bootBefore = (await node('pi-4')).status?.nodeInfo;
    phases.length = 0;
    const result = await desk.desk.power.powerOn('pi-4');
    expect(result.operation).toMatchObject({ action: 'on', phase: 'done' });
    expect(phases).toEqual(['switching-on', 'waiting-ready', 'uncordoning', 'done']);
    expect(desk.simulator.state().power['4']).toBe(true);
    const on = await node('pi-4');
    expect(ready(on)).toBe('True');
    expect(on.spec?.unschedulable).toBeUndefined();
    expect(JSON.stringify(on.status?.nodeInfo)).not.toBe(JSON.stringify(bootBefore));
  });

  it('flags a port whose state the node contradicts', async () => {
    // Without the simulated Pis following their ports, pi-3 stays Ready with its port off.
    simulation?.stop();
    simulation = undefined;
    await desk.hardware.api.setPower('3', false);
    const flagged = await until(
      'the mismatch',
      () => power('pi-3'),
      (entry) => entry?.mismatch !== null && entry?.mismatch !== undefined,
    );
    expect(flagged?.mismatch).toBe(
      "port 3 is off but the node is Ready: is 3 really pi-3's port in kubedesk-hardware?",
    );
    expect(desk.health.snapshot().find((entry) => entry.capability === 'power')?.state).toBe('degraded');
    await desk.hardware.api.setPower('3', true);
    await until(
      'no mismatch',
      () => power('pi-3'),
      (entry) => entry?.mismatch === null,
    );
  });
});
