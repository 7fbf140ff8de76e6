import { create } from 'zustand';
import { createConnectionSlice, type ConnectionSlice } from './connectionSlice';
import { createSystemSlice, type SystemSlice } from './systemSlice';
import { createUiSlice, type UiSlice } from './uiSlice';

/** One store of slices; components select primitives or use `useShallow` for objects. */
export type Store = ConnectionSlice & SystemSlice & UiSlice;

export const useStore = create<Store>()((...args) => ({
  ...createConnectionSlice(...args),
  ...createSystemSlice(...args),
  ...createUiSlice(...args),
}));
