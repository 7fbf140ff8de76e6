import type { ModifierName, NamedKey } from '../../src/contract/index';

/**
 * On-screen layouts. Each key shows what it types and types what it shows: the characters are
 * sent as characters, so the X server's own layout does not matter (a `de` keyboard on a `us`
 * display types ß and ü). Dead keys of the physical layouts (´ ^ ` ¨) type themselves.
 */
export const layoutNames = ['us', 'de', 'fr'] as const;
export type LayoutName = (typeof layoutNames)[number];

export const LAYOUT_LABELS: Record<LayoutName, string> = { us: 'English (US)', de: 'Deutsch', fr: 'Français' };

/** A character key: its character without modifiers, with Shift, and with AltGr. */
export interface CharacterKey {
  kind: 'character';
  base: string;
  shift: string;
  altgr?: string;
}

/** A key that is not a character: Tab, arrows, F-keys. */
export interface NamedKeyCap {
  kind: 'named';
  key: NamedKey;
  label: string;
  /** Relative width; 1 is a letter key. */
  width?: number;
  /** Repeats while held. */
  repeats?: boolean;
}

export interface ModifierKeyCap {
  kind: 'modifier';
  modifier: ModifierName;
  label: string;
  width?: number;
}

/** Keys that act on the keyboard itself rather than sending anything. */
export interface ActionKeyCap {
  kind: 'action';
  action: 'symbols' | 'letters' | 'layout';
  label: string;
  width?: number;
}

export type KeyCap = CharacterKey | NamedKeyCap | ModifierKeyCap | ActionKeyCap;

/** The modifier keys' X key names: the left-hand ones, which every layout has. */
export const MODIFIER_KEYS: Record<ModifierName, NamedKey> = {
  shift: 'Shift_L',
  control: 'Control_L',
  alt: 'Alt_L',
  super: 'Super_L',
  altgr: 'ISO_Level3_Shift',
};

/**
 * Builds character keys from a string of base characters and one of the same length with
 * their Shift characters; AltGr characters by base character.
 */
function characters(bases: string, shifted: string, altgr: Record<string, string> = {}): CharacterKey[] {
  const baseList = [...bases];
  const shiftList = [...shifted];
  return baseList.map((base, index) => {
    const key: CharacterKey = { kind: 'character', base, shift: shiftList[index] ?? base };
    const extra = altgr[base];
    if (extra !== undefined) {
      key.altgr = extra;
    }
    return key;
  });
}

function named(key: NamedKey, label: string, width = 1, repeats = false): NamedKeyCap {
  return { kind: 'named', key, label, width, repeats };
}

function modifier(name: ModifierName, label: string, width = 1): ModifierKeyCap {
  return { kind: 'modifier', modifier: name, label, width };
}

interface LayoutRows {
  digits: CharacterKey[];
  top: CharacterKey[];
  middle: CharacterKey[];
  bottom: CharacterKey[];
}

const CHARACTER_ROWS: Record<LayoutName, LayoutRows> = {
  us: {
    digits: characters('`1234567890-=', '~!@#$%^&*()_+'),
    top: characters('qwertyuiop[]\\', 'QWERTYUIOP{}|'),
    middle: characters("asdfghjkl;'", 'ASDFGHJKL:"'),
    bottom: characters('zxcvbnm,./', 'ZXCVBNM<>?'),
  },
  de: {
    digits: characters('^1234567890ß´', '°!"§$%&/()=?`', {
      '2': '²',
      '3': '³',
      '7': '{',
      '8': '[',
      '9': ']',
      '0': '}',
      ß: '\\',
    }),
    top: characters('qwertzuiopü+', 'QWERTZUIOPÜ*', { q: '@', e: '€', '+': '~' }),
    middle: characters('asdfghjklöä#', "ASDFGHJKLÖÄ'"),
    bottom: characters('<yxcvbnm,.-', '>YXCVBNM;:_', { '<': '|', m: 'µ' }),
  },
  fr: {
    digits: characters('²&é"\'(-è_çà)=', '³1234567890°+', {
      é: '~',
      '"': '#',
      "'": '{',
      '(': '[',
      '-': '|',
      è: '`',
      _: '\\',
      ç: '^',
      à: '@',
      ')': ']',
      '=': '}',
    }),
    top: characters('azertyuiop^$', 'AZERTYUIOP¨£', { e: '€', $: '¤' }),
    middle: characters('qsdfghjklmù*', 'QSDFGHJKLM%µ'),
    bottom: characters('<wxcvbn,;:!', '>WXCVBN?./§'),
  },
};

/** The symbols page: digits and what phones put behind "?123", the same on every layout. */
const SYMBOL_ROWS: CharacterKey[][] = [
  characters('1234567890', '1234567890'),
  characters('@#€$%&*-+()', '@#€$%&*-+()'),
  characters('!?"\':;/_=\\', '!?"\':;/_=\\'),
  characters('[]{}<>|~^°§£', '[]{}<>|~^°§£'),
];

const FUNCTION_ROW: KeyCap[] = [
  named('Escape', 'Esc'),
  ...Array.from({ length: 12 }, (_, index) => named(`F${index + 1}` as NamedKey, `F${index + 1}`)),
  named('Delete', 'Del', 1, true),
];

function bottomRow(page: KeyboardPage): KeyCap[] {
  return [
    page === 'letters'
      ? { kind: 'action', action: 'symbols', label: '?123', width: 1.5 }
      : { kind: 'action', action: 'letters', label: 'ABC', width: 1.5 },
    { kind: 'action', action: 'layout', label: 'layout', width: 1.2 },
    modifier('control', 'Ctrl', 1.2),
    modifier('super', 'Super', 1.2),
    modifier('alt', 'Alt', 1.2),
    named('space', 'Space', 4.5, true),
    modifier('altgr', 'AltGr', 1.2),
    named('Left', '←', 1, true),
    named('Up', '↑', 1, true),
    named('Down', '↓', 1, true),
    named('Right', '→', 1, true),
  ];
}

export type KeyboardPage = 'letters' | 'symbols';

/** The rows of keys of one layout and page, top to bottom. */
export function keyboardRows(layout: LayoutName, page: KeyboardPage): KeyCap[][] {
  const rows = CHARACTER_ROWS[layout];
  const characterRows = page === 'letters' ? [rows.digits, rows.top, rows.middle, rows.bottom] : SYMBOL_ROWS;
  return [
    FUNCTION_ROW,
    [...(characterRows[0] ?? []), named('BackSpace', '⌫', 1.8, true)],
    [named('Tab', 'Tab', 1.5), ...(characterRows[1] ?? [])],
    [...(characterRows[2] ?? []), named('Return', 'Enter', 1.8, true)],
    [modifier('shift', 'Shift', 1.8), ...(characterRows[3] ?? []), modifier('shift', 'Shift', 1.8)],
    bottomRow(page),
  ];
}

/** What a character key types with the modifiers now in force. */
export function characterOf(key: CharacterKey, shift: boolean, altgr: boolean): string {
  if (altgr && key.altgr !== undefined) {
    return key.altgr;
  }
  return shift ? key.shift : key.base;
}

/** Accented letters offered by a long press, by base letter. */
const ACCENTS: Record<string, string> = {
  a: 'àáâäæãåā',
  c: 'çćč',
  e: 'èéêëēėę',
  i: 'îïíīįì',
  l: 'ł',
  n: 'ñń',
  o: 'ôöòóœøōõ',
  s: 'ßśš',
  u: 'ûüùúū',
  y: 'ÿ',
  z: 'žźż',
};

/**
 * The long-press choices for a character: its accented forms, upper case when it is upper case.
 * Forms whose upper case is not one character (ß → SS) are left out of the upper-case list.
 */
export function accentsOf(character: string): string[] {
  const lower = character.toLowerCase();
  const forms = [...(ACCENTS[lower] ?? '')];
  if (character === lower) {
    return forms;
  }
  return forms.map((form) => form.toUpperCase()).filter((form) => [...form].length === 1);
}
