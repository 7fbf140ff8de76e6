import type { StateCreator } from 'zustand';
import type { Store } from './index';

export interface TerminalTab {
  /** Also the host's key for the tab's history: kept across reloads in localStorage. */
  id: string;
  node: string;
  persistent: boolean;
}

export const FONT_SIZE_MIN = 8;
export const FONT_SIZE_MAX = 32;
const STORAGE_KEY = 'kubedesk.terminal';

export interface TerminalSlice {
  terminalTabs: TerminalTab[];
  activeTerminal: string | null;
  terminalFontSize: number;
  addTerminal(node: string): void;
  closeTerminal(id: string): void;
  selectTerminal(id: string): void;
  setTerminalNode(id: string, node: string): void;
  setTerminalFontSize(size: number): void;
}

interface Saved {
  tabs: TerminalTab[];
  active: string | null;
  fontSize: number;
}

function load(): Saved {
  try {
    const saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? 'null') as Saved | null;
    if (saved && Array.isArray(saved.tabs) && typeof saved.fontSize === 'number') {
      return saved;
    }
  } catch {
    // storage unavailable or garbage: start empty
  }
  return { tabs: [], active: null, fontSize: 14 };
}

function newId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return `t${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** The tabs of the terminal: which node each is on, which one shows, the font size. */
export const createTerminalSlice: StateCreator<Store, [], [], TerminalSlice> = (set, get) => {
  const saved = typeof window === 'undefined' ? { tabs: [], active: null, fontSize: 14 } : load();
  function save(): void {
    const { terminalTabs, activeTerminal, terminalFontSize } = get();
    const value: Saved = { tabs: terminalTabs, active: activeTerminal, fontSize: terminalFontSize };
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
    } catch {
      // a full or missing storage only loses the tabs at the next reload
    }
  }
  return {
    terminalTabs: saved.tabs,
    activeTerminal: saved.active,
    terminalFontSize: saved.fontSize,
    addTerminal(node) {
      const tab = { id: newId(), node, persistent: false };
      set({ terminalTabs: [...get().terminalTabs, tab], activeTerminal: tab.id });
      save();
    },
    closeTerminal(id) {
      const tabs = get().terminalTabs.filter((tab) => tab.id !== id);
      const active = get().activeTerminal === id ? (tabs.at(-1)?.id ?? null) : get().activeTerminal;
      set({ terminalTabs: tabs, activeTerminal: active });
      save();
    },
    selectTerminal(id) {
      set({ activeTerminal: id });
      save();
    },
    setTerminalNode(id, node) {
      set({ terminalTabs: get().terminalTabs.map((tab) => (tab.id === id ? { ...tab, node } : tab)) });
      save();
    },
    setTerminalFontSize(size) {
      set({ terminalFontSize: Math.min(FONT_SIZE_MAX, Math.max(FONT_SIZE_MIN, size)) });
      save();
    },
  };
};
