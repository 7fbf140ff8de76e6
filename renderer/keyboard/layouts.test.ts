import { describe, expect, it } from 'vitest';
import { useStore } from '../store/index';
import { accentsOf, characterOf, keyboardRows, layoutNames, type CharacterKey, type KeyCap } from './layouts';

function characters(row: KeyCap[]): CharacterKey[] {
  return row.filter((cap): cap is CharacterKey => cap.kind === 'character');
}

describe('the on-screen layouts', () => {
  it('lay out the keys of each language, with what Shift and AltGr type', () => {
    const rowText = (layout: (typeof layoutNames)[number], index: number) =>
      characters(keyboardRows(layout, 'letters')[index] ?? [])
        .map((key) => key.base)
        .join('');
    expect(rowText('us', 2)).toBe('qwertyuiop[]\\');
    expect(rowText('de', 2)).toBe('qwertzuiopü+');
    expect(rowText('fr', 2)).toBe('azertyuiop^$');
    expect(rowText('fr', 1)).toBe('²&é"\'(-è_çà)=');
    const german = characters(keyboardRows('de', 'letters').flat());
    const q = german.find((key) => key.base === 'q');
    expect(q && characterOf(q, false, true)).toBe('@');
    const two = german.find((key) => key.base === '2');
    expect(two && characterOf(two, true, false)).toBe('"');
    // Every layout has the keys the issue asks for.
    for (const layout of layoutNames) {
      const names = keyboardRows(layout, 'letters')
        .flat()
        .map((cap) => (cap.kind === 'named' ? cap.key : cap.kind === 'modifier' ? cap.modifier : ''));
      for (const wanted of ['Escape', 'Tab', 'Return', 'BackSpace', 'Left', 'Up', 'Down', 'Right', 'F1', 'F12']) {
        expect(names).toContain(wanted);
      }
      for (const modifier of ['shift', 'control', 'alt', 'super']) {
        expect(names).toContain(modifier);
      }
    }
    expect(characters(keyboardRows('us', 'symbols')[2] ?? []).map((key) => key.base)).toContain('€');
  });

  it('offers accented letters on a long press, in the case of the key', () => {
    expect(accentsOf('e')).toContain('é');
    expect(accentsOf('E')).toContain('É');
    expect(accentsOf('s')).toContain('ß');
    expect(accentsOf('S')).not.toContain('SS');
    expect(accentsOf('1')).toEqual([]);
  });
});

describe('the modifiers of the keyboard', () => {
  it('go sticky, locked, off on taps, and sticky ones end after a key', () => {
    const store = useStore.getState();
    store.setModifierMode('shift', 'sticky');
    store.setModifierMode('control', 'locked');
    expect(useStore.getState().consumeStickyModifiers()).toEqual(['shift']);
    expect(useStore.getState().modifiers).toMatchObject({ shift: 'off', control: 'locked' });
    useStore.getState().resetModifiers();
    expect(Object.values(useStore.getState().modifiers)).toEqual(['off', 'off', 'off', 'off', 'off']);
  });
});
