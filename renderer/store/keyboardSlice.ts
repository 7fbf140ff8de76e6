import type { StateCreator } from 'zustand';
import type { InputState, ModifierName, PairedDevice, PairingCode } from '../../src/contract/index';
import { layoutNames, type KeyboardPage, type LayoutName } from '../keyboard/layouts';
import type { Store } from './index';

/** A modifier is off, on for the next key (sticky), or on until tapped again (locked). */
export type ModifierMode = 'off' | 'sticky' | 'locked';

const LAYOUT_STORAGE_KEY = 'kubedesk.keyboardLayout';

function storedLayout(): LayoutName {
  try {
    const stored = globalThis.localStorage?.getItem(LAYOUT_STORAGE_KEY);
    return layoutNames.find((name) => name === stored) ?? 'us';
  } catch {
    return 'us';
  }
}

export interface KeyboardSlice {
  keyboardLayout: LayoutName;
  keyboardPage: KeyboardPage;
  modifiers: Record<ModifierName, ModifierMode>;
  /** The last failure of a key, in words (rate limit, no X display), until the next success. */
  keyboardError: string | null;
  inputState: InputState | null;
  pairingCode: PairingCode | null;
  pairedDevices: PairedDevice[];
  setKeyboardLayout(layout: LayoutName): void;
  /** Steps through the layouts: us → de → fr → us. */
  nextKeyboardLayout(): void;
  setKeyboardPage(page: KeyboardPage): void;
  setModifierMode(modifier: ModifierName, mode: ModifierMode): void;
  /** Turns sticky modifiers off after a key; returns the ones it turned off. */
  consumeStickyModifiers(): ModifierName[];
  setKeyboardError(message: string | null): void;
  setInputState(state: InputState): void;
  /** All modifiers off: after a reconnect the host has let go of every key this page held. */
  resetModifiers(): void;
  setPairingCode(code: PairingCode | null): void;
  setPairedDevices(devices: PairedDevice[]): void;
}

/** Tapping a modifier: off → sticky → locked → off. */
export function nextModifierMode(mode: ModifierMode): ModifierMode {
  return mode === 'off' ? 'sticky' : mode === 'sticky' ? 'locked' : 'off';
}

const ALL_OFF: Record<ModifierName, ModifierMode> = {
  shift: 'off',
  control: 'off',
  alt: 'off',
  super: 'off',
  altgr: 'off',
};

export const createKeyboardSlice: StateCreator<Store, [], [], KeyboardSlice> = (set, get) => ({
  keyboardLayout: storedLayout(),
  keyboardPage: 'letters',
  modifiers: { ...ALL_OFF },
  keyboardError: null,
  inputState: null,
  pairingCode: null,
  pairedDevices: [],
  setKeyboardLayout(layout) {
    try {
      globalThis.localStorage?.setItem(LAYOUT_STORAGE_KEY, layout);
    } catch {
      // Storage may be off (private mode): the choice then lasts for the page.
    }
    set({ keyboardLayout: layout });
  },
  nextKeyboardLayout() {
    const index = layoutNames.indexOf(get().keyboardLayout);
    get().setKeyboardLayout(layoutNames[(index + 1) % layoutNames.length] ?? 'us');
  },
  setKeyboardPage: (keyboardPage) => set({ keyboardPage }),
  setModifierMode: (modifier, mode) => set({ modifiers: { ...get().modifiers, [modifier]: mode } }),
  consumeStickyModifiers() {
    const modifiers = { ...get().modifiers };
    const released: ModifierName[] = [];
    for (const [name, mode] of Object.entries(modifiers) as [ModifierName, ModifierMode][]) {
      if (mode === 'sticky') {
        modifiers[name] = 'off';
        released.push(name);
      }
    }
    if (released.length > 0) {
      set({ modifiers });
    }
    return released;
  },
  setKeyboardError: (keyboardError) => set({ keyboardError }),
  setInputState: (inputState) => set({ inputState }),
  resetModifiers: () => set({ modifiers: { ...ALL_OFF } }),
  setPairingCode: (pairingCode) => set({ pairingCode }),
  setPairedDevices: (pairedDevices) => set({ pairedDevices }),
});
