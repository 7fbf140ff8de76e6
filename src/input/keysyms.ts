import { x11 } from './x11-client.js';

/** Unicode keysyms are 0x01000000 + the code point (X11 keysym encoding, Appendix A). */
const UNICODE_KEYSYM_OFFSET = 0x01000000;

let byName: Map<string, number> | undefined;
let byCharacter: Map<string, number> | undefined;

/** Builds both tables once from keysymdef.h as the x11 package carries it. */
function tables(): { byName: Map<string, number>; byCharacter: Map<string, number> } {
  if (!byName || !byCharacter) {
    byName = new Map();
    byCharacter = new Map();
    for (const [key, { code, description }] of Object.entries(x11.keySyms)) {
      const name = key.replace(/^XK_/, '');
      byName.set(name, code);
      // Descriptions of character keysyms quote the character: "(\u00DF) LATIN SMALL LETTER SHARP S".
      const quoted = /^\((.)\)/u.exec(description)?.[1];
      if (quoted !== undefined && !byCharacter.has(quoted)) {
        byCharacter.set(quoted, code);
      }
    }
  }
  return { byName, byCharacter };
}

/** The keysym of a named key (`Return`, `F5`, `Shift_L`); undefined for unknown names. */
export function keysymForName(name: string): number | undefined {
  return tables().byName.get(name);
}

/** Keys typed for control characters of text. */
const CONTROL_KEYS: Record<string, string> = { '\n': 'Return', '\r': 'Return', '\t': 'Tab' };

/**
 * Every keysym that types `character`, the preferred one first: the legacy keysym where X has
 * one (apps and forwarding tools know `eacute` or `EuroSign` better than U+20AC), then the
 * Unicode keysym, which Xlib and GTK turn into the character as well.
 */
export function keysymsForCharacter(character: string): number[] {
  const control = CONTROL_KEYS[character];
  if (control !== undefined) {
    return [keysymForName(control) ?? 0];
  }
  const codePoint = character.codePointAt(0) ?? 0;
  // Latin-1 keysyms equal their code points.
  if ((codePoint >= 0x20 && codePoint <= 0x7e) || (codePoint >= 0xa0 && codePoint <= 0xff)) {
    return [codePoint];
  }
  const unicode = UNICODE_KEYSYM_OFFSET + codePoint;
  const legacy = tables().byCharacter.get(character);
  return legacy !== undefined && legacy !== unicode ? [legacy, unicode] : [unicode];
}

/** The character a keysym types, if it is a character keysym (for messages and tests). */
export function characterForKeysym(keysym: number): string | undefined {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) {
    return String.fromCodePoint(keysym);
  }
  if (keysym >= UNICODE_KEYSYM_OFFSET && keysym <= UNICODE_KEYSYM_OFFSET + 0x10ffff) {
    return String.fromCodePoint(keysym - UNICODE_KEYSYM_OFFSET);
  }
  for (const [character, code] of tables().byCharacter) {
    if (code === keysym) {
      return character;
    }
  }
  return undefined;
}
