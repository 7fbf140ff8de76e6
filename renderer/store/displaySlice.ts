import type { StateCreator } from 'zustand';
import type { DisplayStatus, NodePower } from '../../src/contract/index';
import type { Store } from './index';

export interface DisplaySlice {
  /** The screen as the host sees it; null until the host has said (or has no display capability). */
  displayStatus: DisplayStatus | null;
  /** Power per node, for the node cards; only nodes with a port or an operation. */
  power: Record<string, NodePower>;
  setDisplayStatus(status: DisplayStatus): void;
  setPower(list: NodePower[]): void;
}

export const createDisplaySlice: StateCreator<Store, [], [], DisplaySlice> = (set) => ({
  displayStatus: null,
  power: {},
  setDisplayStatus: (displayStatus) => set({ displayStatus }),
  setPower: (list) => set({ power: Object.fromEntries(list.map((entry) => [entry.node, entry])) }),
});
