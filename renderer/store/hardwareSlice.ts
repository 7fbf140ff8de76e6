import type { StateCreator } from 'zustand';
import type { HardwareStatus } from '../../src/contract/index';
import type { Store } from './index';

export interface HardwareSlice {
  /** The hardware controller as the host sees it; null until the host has said. */
  hardware: HardwareStatus | null;
  setHardware(status: HardwareStatus): void;
}

export const createHardwareSlice: StateCreator<Store, [], [], HardwareSlice> = (set) => ({
  hardware: null,
  setHardware: (hardware) => set({ hardware }),
});
