import type { Keymap } from './keymap.js';

/**
 * How long a spare keycode keeps its character after its last press before it may be given to
 * another one. Apps look the keysym up when they process the event, not when it was sent, so a
 * keycode remapped too soon would type the new character in place of the old; an app (or an
 * xpra client) busy for a moment must still find the old one.
 */
export const SPARE_REUSE_AFTER_MS = 2_000;
/**
 * Spare keycodes go back to NoSymbol after this long unused: the layout is left as it was found,
 * while a character typed again soon (a name with ü in a form) needs no remapping.
 */
export const SPARE_RESTORE_AFTER_MS = 10_000;

interface Assignment {
  keysym: number;
  lastUsed: number;
  /** Holds that press it now: never remapped while held. */
  pins: number;
}

export interface SparePoolOptions {
  /** Sets a keycode's keysyms (keysym 0: back to NoSymbol). */
  map(keycode: number, keysym: number): void;
  /** Runs the restoring of idle keycodes in the injector's queue. */
  restore(task: () => Promise<void>): void;
  reuseAfterMs?: number;
  restoreAfterMs?: number;
  now?: () => number;
}

/**
 * Keycodes that carry no keysym on the server's layout, lent to characters the layout lacks.
 * A character keeps its keycode while it is used, so typing it again costs no remapping.
 */
export class SparePool {
  private keycodes: number[] = [];
  private readonly assignments = new Map<number, Assignment>();
  private readonly now: () => number;
  private readonly reuseAfterMs: number;
  private readonly restoreAfterMs: number;
  private restoreTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: SparePoolOptions) {
    this.now = options.now ?? Date.now;
    this.reuseAfterMs = options.reuseAfterMs ?? SPARE_REUSE_AFTER_MS;
    this.restoreAfterMs = options.restoreAfterMs ?? SPARE_RESTORE_AFTER_MS;
  }

  /**
   * Takes a fresh read of the mapping: spare keycodes are the empty ones plus those this pool
   * lent and that still carry what it put there. A keycode someone else remapped is given up.
   */
  reconcile(keymap: Keymap): void {
    for (const [keycode, assignment] of this.assignments) {
      const keysyms = keymap.keysymsOf(keycode);
      if (keysyms[0] !== assignment.keysym) {
        this.assignments.delete(keycode);
      }
    }
    const empty = keymap.spareKeycodes();
    this.keycodes = [...new Set([...empty, ...this.assignments.keys()])].sort((a, b) => b - a);
  }

  capacity(): number {
    return this.keycodes.length;
  }

  owns(keycode: number): boolean {
    return this.keycodes.includes(keycode);
  }

  /** The keycode already lent to one of these keysyms, if any. */
  lookup(keysyms: number[]): { keycode: number; shift: false; altgr: false } | undefined {
    for (const [keycode, assignment] of this.assignments) {
      if (keysyms.includes(assignment.keysym)) {
        return { keycode, shift: false, altgr: false };
      }
    }
    return undefined;
  }

  /**
   * Lends a keycode to each keysym (at most `capacity()` of them), remapping free or long-unused
   * keycodes; waits for one to become reusable when all were used just now.
   */
  async assign(
    keysyms: number[],
    reserved: ReadonlySet<number> = new Set(),
  ): Promise<{ keycodes: number[]; fresh: boolean }> {
    if (keysyms.length + reserved.size > this.keycodes.length) {
      throw new Error(`${keysyms.length} characters need spare keycodes but the layout has ${this.keycodes.length}`);
    }
    const result: number[] = [];
    // Keycodes the caller is about to press must keep their characters.
    const taken = new Set<number>(reserved);
    let fresh = false;
    for (const keysym of keysyms) {
      const existing = this.lookup([keysym]);
      if (existing) {
        result.push(existing.keycode);
        taken.add(existing.keycode);
        continue;
      }
      let keycode = this.pick(taken);
      while (keycode === undefined) {
        await new Promise((resolve) => setTimeout(resolve, this.untilReusable(taken)));
        keycode = this.pick(taken);
      }
      this.options.map(keycode, keysym);
      this.assignments.set(keycode, { keysym, lastUsed: this.now(), pins: 0 });
      result.push(keycode);
      taken.add(keycode);
      fresh = true;
    }
    this.scheduleRestore();
    return { keycodes: result, fresh };
  }

  /** A free keycode, else the least recently used one that may be reused now. */
  private pick(taken: Set<number>): number | undefined {
    const free = this.keycodes.find((keycode) => !this.assignments.has(keycode) && !taken.has(keycode));
    if (free !== undefined) {
      return free;
    }
    let oldest: [number, Assignment] | undefined;
    for (const entry of this.assignments) {
      const [keycode, assignment] = entry;
      if (taken.has(keycode) || assignment.pins > 0 || this.now() - assignment.lastUsed < this.reuseAfterMs) {
        continue;
      }
      if (!oldest || assignment.lastUsed < oldest[1].lastUsed) {
        oldest = entry;
      }
    }
    return oldest?.[0];
  }

  private untilReusable(taken: Set<number>): number {
    let soonest = this.reuseAfterMs;
    for (const [keycode, assignment] of this.assignments) {
      if (!taken.has(keycode) && assignment.pins === 0) {
        soonest = Math.min(soonest, this.reuseAfterMs - (this.now() - assignment.lastUsed));
      }
    }
    return Math.max(1, soonest);
  }

  touch(keycode: number): void {
    const assignment = this.assignments.get(keycode);
    if (assignment) {
      assignment.lastUsed = this.now();
    }
  }

  pin(keycode: number): void {
    const assignment = this.assignments.get(keycode);
    if (assignment) {
      assignment.pins++;
      assignment.lastUsed = this.now();
    }
  }

  unpin(keycode: number): void {
    const assignment = this.assignments.get(keycode);
    if (assignment) {
      assignment.pins = Math.max(0, assignment.pins - 1);
      assignment.lastUsed = this.now();
    }
  }

  private scheduleRestore(): void {
    if (this.restoreTimer !== undefined) {
      return;
    }
    this.restoreTimer = setTimeout(() => {
      this.restoreTimer = undefined;
      this.options.restore(async () => this.restoreIdle());
    }, this.restoreAfterMs);
    this.restoreTimer.unref?.();
  }

  private restoreIdle(): void {
    for (const [keycode, assignment] of this.assignments) {
      if (assignment.pins === 0 && this.now() - assignment.lastUsed >= this.restoreAfterMs) {
        this.options.map(keycode, 0);
        this.assignments.delete(keycode);
      }
    }
    if (this.assignments.size > 0) {
      this.scheduleRestore();
    }
  }

  /** Puts every lent keycode back to NoSymbol at once, pins or not (the host is going away). */
  restoreAll(): void {
    for (const keycode of this.assignments.keys()) {
      this.options.map(keycode, 0);
    }
    this.assignments.clear();
  }

  dispose(): void {
    clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
  }
}
