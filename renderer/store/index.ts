import { create } from 'zustand';
import { createAppsSlice, type AppsSlice } from './appsSlice';
import { createClusterSlice, type ClusterSlice } from './clusterSlice';
import { createConnectionSlice, type ConnectionSlice } from './connectionSlice';
import { createDisplaySlice, type DisplaySlice } from './displaySlice';
import { createHardwareSlice, type HardwareSlice } from './hardwareSlice';
import { createKeyboardSlice, type KeyboardSlice } from './keyboardSlice';
import { createSystemSlice, type SystemSlice } from './systemSlice';
import { createTerminalSlice, type TerminalSlice } from './terminalSlice';
import { createUiSlice, type UiSlice } from './uiSlice';

/** One store of slices; components select primitives or use `useShallow` for objects. */
export type Store = ConnectionSlice &
  SystemSlice &
  ClusterSlice &
  UiSlice &
  HardwareSlice &
  KeyboardSlice &
  DisplaySlice &
  AppsSlice &
  TerminalSlice;

export const useStore = create<Store>()((...args) => ({
  ...createConnectionSlice(...args),
  ...createSystemSlice(...args),
  ...createClusterSlice(...args),
  ...createUiSlice(...args),
  ...createHardwareSlice(...args),
  ...createKeyboardSlice(...args),
  ...createDisplaySlice(...args),
  ...createAppsSlice(...args),
  ...createTerminalSlice(...args),
}));
