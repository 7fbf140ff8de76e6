import { KubedeskError, modifierNames, namedKeys, type KeyName, type ModifierName } from '../contract/index.js';
import { Keymap, LOCK_MASK, type KeyLocation } from './keymap.js';
import { keysymForName, keysymsForCharacter } from './keysyms.js';
import { SparePool } from './spares.js';
import type { XConnection } from './xconnection.js';

/**
 * How long a freshly mapped spare keycode settles before it is pressed. An xpra client on the
 * display forwards keymap changes to its server 500 ms after it sees them (xpra 3.1), and only
 * then can the server type the new character into the app; 600 ms was enough on a 2-core
 * machine, so 1 s leaves room for a Pi. Paid once per new character, not per key.
 */
export const KEYMAP_SETTLE_MS = 1_000;

const NAMED = new Set<string>(namedKeys);
/** Modifiers are pressed in this order and released in the reverse one. */
const MODIFIER_ORDER: readonly ModifierName[] = modifierNames;

export interface InjectorOptions {
  settleMs?: number;
  /** Spare keycodes go back to NoSymbol after this long unused. */
  restoreAfterMs?: number;
}

/** One key as pressed: the keycodes in the order they went down (modifiers, then the key). */
export interface PressedKey {
  key: KeyName;
  keycodes: number[];
}

function isCharacter(key: string): boolean {
  return !NAMED.has(key);
}

function hasCase(character: string): boolean {
  return character.toLowerCase() !== character.toUpperCase();
}

/**
 * Turns keys and text into XTest events on one X connection. Every operation runs in one queue,
 * so strokes of different peers never interleave; keys held by several peers are counted, so one
 * peer letting go of Shift does not release another's.
 */
export class Injector {
  private queue: Promise<unknown> = Promise.resolve();
  private keymap: Keymap | undefined;
  private stale = true;
  private readonly spares: SparePool;
  /** Keycodes held down through `hold`, with how many holds press each. */
  private readonly holds = new Map<number, number>();
  private readonly settleMs: number;

  constructor(
    private readonly connection: XConnection,
    options: InjectorOptions = {},
  ) {
    this.settleMs = options.settleMs ?? KEYMAP_SETTLE_MS;
    this.spares = new SparePool({
      map: (keycode, keysym) => this.connection.setKeysyms(keycode, keysym ? [keysym, keysym] : [], this.width()),
      restore: (task) => void this.run(task).catch(() => undefined),
      ...(options.restoreAfterMs !== undefined ? { restoreAfterMs: options.restoreAfterMs } : {}),
    });
    connection.onMappingChange(() => {
      this.stale = true;
    });
  }

  /** Runs `task` after everything queued before it. */
  private run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private width(): number {
    return this.keymap?.keysymsPerKeycode ?? 2;
  }

  /** The mapping as the server has it now; re-read after any MappingNotify. */
  private async current(): Promise<Keymap> {
    if (this.stale || !this.keymap) {
      this.stale = false;
      this.keymap = new Keymap(await this.connection.readKeyboardMapping());
      this.spares.reconcile(this.keymap);
    }
    return this.keymap;
  }

  private keysymsOf(key: KeyName): number[] {
    if (isCharacter(key)) {
      return keysymsForCharacter(key);
    }
    const keysym = keysymForName(key);
    if (keysym === undefined) {
      throw new KubedeskError('bad-arguments', `unknown key name "${key}"`, 'BadArguments');
    }
    return [keysym];
  }

  /**
   * Finds keys on the layout and maps characters it lacks to spare keycodes, settling once for
   * all of them. When there are more such characters than spare keycodes, the later ones are
   * left out: the caller types what it got, then asks again.
   */
  private async locateAll(keys: KeyName[]): Promise<Map<KeyName, KeyLocation>> {
    const keymap = await this.current();
    const found = new Map<KeyName, KeyLocation>();
    const missing = new Map<KeyName, number>();
    const reserved = new Set<number>();
    const capacity = this.spares.capacity();
    // In order, so the keys found are a prefix of `keys`: stop where spare keycodes run out.
    for (const key of keys) {
      if (found.has(key) || missing.has(key)) {
        continue;
      }
      const keysyms = this.keysymsOf(key);
      const spare = this.spares.lookup(keysyms);
      const location = spare ?? this.layoutLocation(keymap, keysyms);
      if (!location || spare) {
        if (reserved.size + missing.size >= capacity) {
          break;
        }
      }
      if (spare) {
        reserved.add(spare.keycode);
      }
      if (location) {
        found.set(key, location);
      } else {
        missing.set(key, keysyms[0] ?? 0);
      }
    }
    if (found.size === 0 && missing.size === 0) {
      throw new KubedeskError('unavailable', 'the X server has no spare keycode to type with', 'NoSpareKeycode');
    }
    if (missing.size === 0) {
      return found;
    }
    const batch = [...missing];
    const mapped = await this.spares.assign(
      batch.map(([, keysym]) => keysym),
      reserved,
    );
    await this.connection.sync();
    if (mapped.fresh && this.settleMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.settleMs));
    }
    batch.forEach(([key], index) => {
      const keycode = mapped.keycodes[index];
      if (keycode !== undefined) {
        found.set(key, { keycode, shift: false, altgr: false });
      }
    });
    return found;
  }

  private layoutLocation(keymap: Keymap, keysyms: number[]): KeyLocation | undefined {
    for (const keysym of keysyms) {
      const location = keymap.locate(keysym);
      if (location && !this.spares.owns(location.keycode)) {
        return location;
      }
    }
    return undefined;
  }

  private modifierKeycode(keymap: Keymap, modifier: ModifierName): number {
    const keycode = keymap.keycodeForModifier(modifier);
    if (keycode === undefined) {
      throw new KubedeskError('unavailable', `the X server has no ${modifier} key in its modifier map`, 'NoModifier');
    }
    return keycode;
  }

  private isHeld(keycodes: number[]): boolean {
    return keycodes.some((keycode) => (this.holds.get(keycode) ?? 0) > 0);
  }

  /**
   * Sends one key press and release with the right modifiers around it. A character comes out
   * as itself: Shift and AltGr are added or, if held, briefly let go, as its level needs.
   */
  private async stroke(
    key: KeyName,
    location: KeyLocation,
    extra: readonly ModifierName[],
    capsLock: boolean,
  ): Promise<void> {
    const keymap = await this.current();
    const character = isCharacter(key);
    // Caps Lock inverts the level of letters.
    const needShift = character && capsLock && hasCase(key) ? !location.shift : location.shift;
    const wanted = new Set<ModifierName>(extra);
    if (needShift) {
      wanted.add('shift');
    }
    if (location.altgr) {
      wanted.add('altgr');
    }
    // Held Shift or AltGr would change the character: let go of them around it.
    const letGo: number[] = [];
    if (character) {
      for (const modifier of ['shift', 'altgr'] as const) {
        if (!wanted.has(modifier)) {
          letGo.push(...keymap.keycodesOfModifier(modifier).filter((keycode) => (this.holds.get(keycode) ?? 0) > 0));
        }
      }
    }
    const pressed: number[] = [];
    for (const keycode of letGo) {
      this.connection.fakeKey(keycode, false);
    }
    for (const modifier of MODIFIER_ORDER) {
      if (!wanted.has(modifier) || this.isHeld(keymap.keycodesOfModifier(modifier))) {
        continue;
      }
      const keycode = this.modifierKeycode(keymap, modifier);
      this.connection.fakeKey(keycode, true);
      pressed.push(keycode);
    }
    this.connection.fakeKey(location.keycode, true);
    this.connection.fakeKey(location.keycode, false);
    for (const keycode of pressed.reverse()) {
      this.connection.fakeKey(keycode, false);
    }
    for (const keycode of letGo.reverse()) {
      this.connection.fakeKey(keycode, true);
    }
    this.spares.touch(location.keycode);
  }

  /** Whether Caps Lock is on; asked of the server only when a letter is among the keys. */
  private async capsLock(keys: string[]): Promise<boolean> {
    if (!keys.some((key) => isCharacter(key) && hasCase(key))) {
      return false;
    }
    return ((await this.connection.modifierState()) & LOCK_MASK) !== 0;
  }

  /** Presses and releases one key with modifiers; resolves once the X server has it. */
  tap(key: KeyName, modifiers: readonly ModifierName[] = []): Promise<void> {
    return this.run(async () => {
      const locations = await this.locateAll([key]);
      const location = locations.get(key);
      if (location) {
        await this.stroke(key, location, modifiers, await this.capsLock([key]));
      }
      await this.connection.sync();
    });
  }

  /** Types text in order; characters the layout lacks go through spare keycodes. */
  type(text: string): Promise<void> {
    return this.run(async () => {
      const keys = [...text].map((character) => (character === '\r' ? '\n' : character));
      const capsLock = await this.capsLock(keys);
      let index = 0;
      while (index < keys.length) {
        const locations = await this.locateAll(keys.slice(index));
        // Type up to the first character that did not get a keycode in this round.
        while (index < keys.length) {
          const key = keys[index] as KeyName;
          const location = locations.get(key);
          if (!location) {
            break;
          }
          await this.stroke(key, location, [], capsLock);
          index++;
        }
        await this.connection.sync();
      }
    });
  }

  /** Presses a key and keeps it down; the result is what `letGo` needs to release it. */
  hold(key: KeyName): Promise<PressedKey> {
    return this.run(async () => {
      const keymap = await this.current();
      const location = (await this.locateAll([key])).get(key);
      if (!location) {
        throw new KubedeskError('unavailable', `cannot find a key for "${key}"`, 'NoKey');
      }
      const keycodes: number[] = [];
      if (location.shift) {
        keycodes.push(this.modifierKeycode(keymap, 'shift'));
      }
      if (location.altgr) {
        keycodes.push(this.modifierKeycode(keymap, 'altgr'));
      }
      keycodes.push(location.keycode);
      for (const keycode of keycodes) {
        const count = this.holds.get(keycode) ?? 0;
        if (count === 0) {
          this.connection.fakeKey(keycode, true);
        }
        this.holds.set(keycode, count + 1);
      }
      this.spares.pin(location.keycode);
      await this.connection.sync();
      return { key, keycodes };
    });
  }

  /** Releases what `hold` pressed, in reverse order; keys others still hold stay down. */
  letGo(pressed: PressedKey[]): Promise<void> {
    return this.run(async () => {
      for (const { keycodes } of [...pressed].reverse()) {
        for (const keycode of [...keycodes].reverse()) {
          const count = this.holds.get(keycode) ?? 0;
          if (count <= 1) {
            this.holds.delete(keycode);
            if (count === 1) {
              this.connection.fakeKey(keycode, false);
            }
          } else {
            this.holds.set(keycode, count - 1);
          }
        }
        const last = keycodes.at(-1);
        if (last !== undefined) {
          this.spares.unpin(last);
        }
      }
      await this.connection.sync();
    });
  }

  /** Lets go of every held key at once, whoever holds it (the host is going away). */
  releaseAll(): Promise<void> {
    return this.run(async () => {
      for (const keycode of [...this.holds.keys()].reverse()) {
        this.connection.fakeKey(keycode, false);
      }
      this.holds.clear();
      await this.connection.sync();
    });
  }

  /** Puts every spare keycode back to NoSymbol (on shutdown, while the connection is up). */
  restoreAll(): Promise<void> {
    return this.run(async () => {
      this.spares.restoreAll();
      await this.connection.sync();
    });
  }

  dispose(): void {
    this.spares.dispose();
  }
}
