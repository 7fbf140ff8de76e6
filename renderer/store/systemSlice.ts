import type { StateCreator } from 'zustand';
import type { CapabilityHealth, SystemInfo } from '../../src/contract/index';
import type { Store } from './index';

export interface SystemSlice {
  info: SystemInfo | null;
  health: CapabilityHealth[];
  setInfo(info: SystemInfo): void;
  setHealth(health: CapabilityHealth[]): void;
}

export const createSystemSlice: StateCreator<Store, [], [], SystemSlice> = (set) => ({
  info: null,
  health: [],
  setInfo: (info) => set({ info }),
  setHealth: (health) => set({ health }),
});
