import type { StateCreator } from 'zustand';
import type { AppSession, Catalog } from '../../src/contract/index';
import type { Store } from './index';

export interface AppsSlice {
  catalog: Catalog;
  sessions: AppSession[];
  /** The session whose close the user is being asked to confirm. */
  confirmingStop: string | null;
  /** The last launch error, shown in the apps panel until the next launch. */
  launchError: string | null;
  setCatalog(catalog: Catalog): void;
  setSessions(sessions: AppSession[]): void;
  askStop(session: string | null): void;
  setLaunchError(message: string | null): void;
}

export const createAppsSlice: StateCreator<Store, [], [], AppsSlice> = (set) => ({
  catalog: { apps: [], problems: [] },
  sessions: [],
  confirmingStop: null,
  launchError: null,
  setCatalog: (catalog) => set({ catalog }),
  setSessions: (sessions) => set({ sessions }),
  askStop: (confirmingStop) => set({ confirmingStop }),
  setLaunchError: (launchError) => set({ launchError }),
});
