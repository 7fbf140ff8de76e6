import type { CapabilityHealth, Disposable, HealthState } from '../contract/index.js';

/**
 * Where each capability says how it is doing. The system capability serves it; the taskbar shows
 * it. Reports that change nothing are not passed on, so a capability may report freely.
 */
export class HealthBoard {
  private entries = new Map<string, CapabilityHealth>();
  private listeners = new Set<(health: CapabilityHealth[]) => void>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  report(capability: string, state: HealthState, message: string): void {
    const previous = this.entries.get(capability);
    if (previous && previous.state === state && previous.message === message) {
      return;
    }
    const since = previous && previous.state === state ? previous.since : this.now().toISOString();
    this.entries.set(capability, { capability, state, message, since });
    const snapshot = this.snapshot();
    for (const listener of [...this.listeners]) {
      listener(snapshot);
    }
  }

  snapshot(): CapabilityHealth[] {
    return [...this.entries.values()].map((entry) => ({ ...entry }));
  }

  /** How many listeners are subscribed: a peer that leaves must take its listeners along. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: (health: CapabilityHealth[]) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}
