import type { StateCreator } from 'zustand';
import type { Store } from './index';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface ConnectionSlice {
  connection: ConnectionState;
  /** Epoch ms of the last change of `connection`. */
  connectionSince: number;
  /** Reconnect attempts since the connection was last live. */
  reconnectAttempt: number;
  /** Epoch ms of the next reconnect attempt, while reconnecting. */
  nextAttemptAt: number | null;
  setConnection(state: ConnectionState, details?: { attempt?: number; nextAttemptAt?: number | null }): void;
}

export const createConnectionSlice: StateCreator<Store, [], [], ConnectionSlice> = (set, get) => ({
  connection: 'connecting',
  connectionSince: Date.now(),
  reconnectAttempt: 0,
  nextAttemptAt: null,
  setConnection(state, details = {}) {
    const changed = get().connection !== state;
    set({
      connection: state,
      ...(changed ? { connectionSince: Date.now() } : {}),
      reconnectAttempt: details.attempt ?? (state === 'live' ? 0 : get().reconnectAttempt),
      nextAttemptAt: details.nextAttemptAt ?? null,
    });
  },
});
