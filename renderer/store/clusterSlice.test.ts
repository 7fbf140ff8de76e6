import { describe, expect, it } from 'vitest';
import type { NodeSummary } from '../../src/contract/index';
import { useStore } from './index';

function node(name: string, temperatureCelsius: number | null = 50): NodeSummary {
  return {
    name,
    ready: true,
    cordoned: false,
    model: 'Raspberry Pi 4 Model B Rev 1.4',
    arch: 'arm64',
    internalIP: null,
    kubeletVersion: 'v1.36.3',
    cpu: { capacityMillis: 4000, usageMillis: null },
    memory: { capacityBytes: 4 * 2 ** 30, usageBytes: null },
    temperatureCelsius,
    throttled: null,
    pods: 0,
    hdmi: null,
    displayActive: false,
    roles: [],
    createdAt: null,
  };
}

describe('the cluster slice', () => {
  it('applies a snapshot, then deltas, keeping names in natural order', () => {
    const store = useStore.getState();
    store.applyNodes({ kind: 'snapshot', items: [node('pi-10'), node('pi-2'), node('pi-1')] });
    expect(useStore.getState().nodeNames).toEqual(['pi-1', 'pi-2', 'pi-10']);
    const namesBefore = useStore.getState().nodeNames;
    const untouched = useStore.getState().nodes['pi-1'];

    store.applyNodes({ kind: 'delta', upserts: [node('pi-2', 71.5)], removals: [] });
    expect(useStore.getState().nodes['pi-2']?.temperatureCelsius).toBe(71.5);
    // Same set of names: the list is the same object, so the grid does not re-render.
    expect(useStore.getState().nodeNames).toBe(namesBefore);
    // Other nodes keep their identity, so their cards do not re-render either.
    expect(useStore.getState().nodes['pi-1']).toBe(untouched);

    store.applyNodes({ kind: 'delta', upserts: [node('pi-3')], removals: ['pi-10', 'pi-99'] });
    expect(useStore.getState().nodeNames).toEqual(['pi-1', 'pi-2', 'pi-3']);
  });
});
