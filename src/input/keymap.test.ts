import { describe, expect, it } from 'vitest';
import { Keymap } from './keymap.js';
import { characterForKeysym, keysymForName, keysymsForCharacter } from './keysyms.js';

const name = (text: string) => keysymForName(text) ?? -1;

/** A small German-like mapping: 8 columns per keycode as Xorg reports it through XKB. */
function germanMapping() {
  const rows: number[][] = Array.from({ length: 248 }, () => [0, 0, 0, 0, 0, 0, 0, 0]);
  const set = (keycode: number, ...keysyms: number[]) => {
    rows[keycode - 8] = [...keysyms, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8);
  };
  set(24, name('q'), name('Q'), name('q'), name('Q'), name('at'), name('Greek_OMEGA'));
  set(26, name('e'), name('E'), name('e'), name('E'), name('EuroSign'), name('EuroSign'));
  set(20, name('ssharp'), name('question'), name('ssharp'), name('question'), name('backslash'));
  set(50, name('Shift_L'));
  set(37, name('Control_L'));
  set(92, name('ISO_Level3_Shift'));
  set(36, name('Return'));
  const modifiers = [[50], [], [37], [], [], [], [], [92]];
  return { minKeycode: 8, rows, modifiers };
}

describe('keysyms', () => {
  it('maps characters to the keysyms X knows them by', () => {
    expect(keysymsForCharacter('a')).toEqual([0x61]);
    expect(keysymsForCharacter('ß')).toEqual([0xdf]);
    expect(keysymsForCharacter('€')).toEqual([name('EuroSign'), 0x10020ac]);
    expect(keysymsForCharacter('日')).toEqual([0x10065e5]);
    expect(keysymsForCharacter('\n')).toEqual([name('Return')]);
    expect(keysymsForCharacter('😀')).toEqual([0x1000000 + 0x1f600]);
    expect(characterForKeysym(0x10065e5)).toBe('日');
    expect(characterForKeysym(name('EuroSign'))).toBe('€');
  });
});

describe('the keymap', () => {
  const keymap = new Keymap(germanMapping());

  it('finds a keysym with the modifiers its level needs', () => {
    expect(keymap.locate(name('q'))).toEqual({ keycode: 24, shift: false, altgr: false });
    expect(keymap.locate(name('Q'))).toEqual({ keycode: 24, shift: true, altgr: false });
    expect(keymap.locate(name('at'))).toEqual({ keycode: 24, shift: false, altgr: true });
    expect(keymap.locate(name('EuroSign'))).toEqual({ keycode: 26, shift: false, altgr: true });
    expect(keymap.locate(name('question'))).toEqual({ keycode: 20, shift: true, altgr: false });
    expect(keymap.locate(0x10065e5)).toBeUndefined();
  });

  it('knows the modifier keys and the spare keycodes', () => {
    expect(keymap.keycodeForModifier('shift')).toBe(50);
    expect(keymap.keycodeForModifier('altgr')).toBe(92);
    expect(keymap.keycodeForModifier('super')).toBeUndefined();
    expect(keymap.keycodesOfModifier('control')).toEqual([37]);
    const spares = keymap.spareKeycodes();
    expect(spares).not.toContain(24);
    expect(spares).not.toContain(8);
    expect(spares[0]).toBe(255);
    expect(spares).toHaveLength(247 - 7);
  });

  it('does not offer AltGr levels when the server has no AltGr key', () => {
    const mapping = germanMapping();
    mapping.modifiers = [[50], [], [37], [], [], [], [], []];
    mapping.rows[92 - 8] = [0, 0, 0, 0, 0, 0, 0, 0];
    expect(new Keymap(mapping).locate(name('at'))).toBeUndefined();
  });
});
