import type { StateCreator } from 'zustand';
import type { Store } from './index';

/** The panel above the taskbar; one at a time, like a desktop panel's menus. */
export type PanelName = 'apps' | 'cluster' | 'display' | 'screen' | 'terminal' | null;

export interface UiSlice {
  panel: PanelName;
  keyboardVisible: boolean;
  togglePanel(panel: Exclude<PanelName, null>): void;
  closePanel(): void;
  toggleKeyboard(): void;
  /** The Electron keyboard window's state, as its main process reports it. */
  setKeyboardVisible(visible: boolean): void;
}

export const createUiSlice: StateCreator<Store, [], [], UiSlice> = (set, get) => ({
  panel: null,
  keyboardVisible: false,
  togglePanel: (panel) => set({ panel: get().panel === panel ? null : panel }),
  closePanel: () => set({ panel: null }),
  toggleKeyboard: () => set({ keyboardVisible: !get().keyboardVisible }),
  setKeyboardVisible: (keyboardVisible) => set({ keyboardVisible }),
});
