import type { ModifierName } from '../contract/index.js';
import { keysymForName } from './keysyms.js';
import type { KeyboardMapping } from './xconnection.js';

/** Bits of the core modifier state (X11 KEYBUTMASK). */
export const SHIFT_MASK = 1 << 0;
export const LOCK_MASK = 1 << 1;

/**
 * Keysym columns of the core mapping that Kubedesk uses: group 1 level 1 and 2 (column 0, 1),
 * and group 1 levels 3 and 4 reached with AltGr (columns 4, 5), the way XKB presents a layout
 * through the core protocol. Columns 2 and 3 are the second group, which needs a group switch.
 */
const COLUMNS: readonly { column: number; shift: boolean; altgr: boolean }[] = [
  { column: 0, shift: false, altgr: false },
  { column: 1, shift: true, altgr: false },
  { column: 4, shift: false, altgr: true },
  { column: 5, shift: true, altgr: true },
];

/** The keysyms each modifier name presses, in the order they are tried. */
const MODIFIER_KEYSYMS: Record<ModifierName, string[]> = {
  shift: ['Shift_L', 'Shift_R'],
  control: ['Control_L', 'Control_R'],
  alt: ['Alt_L', 'Alt_R', 'Meta_L'],
  super: ['Super_L', 'Super_R'],
  altgr: ['ISO_Level3_Shift', 'Mode_switch'],
};

/** Where a keysym sits: the keycode and the modifiers that reach its column. */
export interface KeyLocation {
  keycode: number;
  shift: boolean;
  altgr: boolean;
}

/**
 * The server's keyboard mapping, indexed for injection: keysym → keycode and level, modifier
 * keys, and the keycodes that carry no keysym at all (spare: free to map a missing character).
 */
export class Keymap {
  readonly keysymsPerKeycode: number;
  private readonly locations = new Map<number, KeyLocation>();
  private readonly rows = new Map<number, number[]>();
  private readonly modifierKeycodes = new Set<number>();

  constructor(mapping: KeyboardMapping) {
    this.keysymsPerKeycode = mapping.rows[0]?.length ?? 0;
    mapping.rows.forEach((row, index) => this.rows.set(mapping.minKeycode + index, row));
    for (const row of mapping.modifiers) {
      for (const keycode of row) {
        if (keycode !== 0) {
          this.modifierKeycodes.add(keycode);
        }
      }
    }
    const hasAltgr = this.keycodeForModifier('altgr') !== undefined;
    // Lower columns win, and lower keycodes within a column: the main block before the keypad.
    for (const { column, shift, altgr } of COLUMNS) {
      if (altgr && !hasAltgr) {
        continue;
      }
      for (const [keycode, row] of this.rows) {
        const keysym = row[column] ?? 0;
        if (keysym !== 0 && !this.locations.has(keysym)) {
          this.locations.set(keysym, { keycode, shift, altgr });
        }
      }
    }
  }

  /** Where the keysym is on the current layout, or undefined when it is not. */
  locate(keysym: number): KeyLocation | undefined {
    return this.locations.get(keysym);
  }

  keysymsOf(keycode: number): number[] {
    return this.rows.get(keycode) ?? [];
  }

  /** The keycode to press for a modifier, found by its keysym in the modifier map. */
  keycodeForModifier(modifier: ModifierName): number | undefined {
    for (const name of MODIFIER_KEYSYMS[modifier]) {
      const keysym = keysymForName(name);
      for (const [keycode, row] of this.rows) {
        if (keysym !== undefined && row.includes(keysym) && this.modifierKeycodes.has(keycode)) {
          return keycode;
        }
      }
    }
    return undefined;
  }

  /** Keycodes that are modifiers of the given name (Shift_L and Shift_R both are `shift`). */
  keycodesOfModifier(modifier: ModifierName): number[] {
    const keysyms = MODIFIER_KEYSYMS[modifier].map((name) => keysymForName(name));
    const keycodes: number[] = [];
    for (const [keycode, row] of this.rows) {
      if (this.modifierKeycodes.has(keycode) && row.some((keysym) => keysyms.includes(keysym))) {
        keycodes.push(keycode);
      }
    }
    return keycodes;
  }

  /** Keycodes without any keysym, highest first (the low ones are the likeliest to gain keys). */
  spareKeycodes(): number[] {
    return [...this.rows]
      .filter(([keycode, row]) => keycode > 8 && row.every((keysym) => keysym === 0))
      .map(([keycode]) => keycode)
      .sort((a, b) => b - a);
  }
}
