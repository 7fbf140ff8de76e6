import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/**
 * Keys that are not characters, by their X keysym names, so the same name means the same key on
 * every layout. Characters are sent as themselves ("a", "ß", "日"), never by name.
 */
export const namedKeys = [
  'Escape',
  'Tab',
  'Return',
  'BackSpace',
  'Delete',
  'Insert',
  'Home',
  'End',
  'Page_Up',
  'Page_Down',
  'Left',
  'Up',
  'Right',
  'Down',
  'space',
  'Menu',
  'Print',
  'Pause',
  'Scroll_Lock',
  'Caps_Lock',
  'Num_Lock',
  'Shift_L',
  'Shift_R',
  'Control_L',
  'Control_R',
  'Alt_L',
  'Alt_R',
  'Super_L',
  'Super_R',
  'ISO_Level3_Shift',
  'F1',
  'F2',
  'F3',
  'F4',
  'F5',
  'F6',
  'F7',
  'F8',
  'F9',
  'F10',
  'F11',
  'F12',
] as const;
export type NamedKey = (typeof namedKeys)[number];

/** Modifiers a stroke can ask for; each is pressed before the key and released after it. */
export const modifierNames = ['shift', 'control', 'alt', 'super', 'altgr'] as const;
export type ModifierName = (typeof modifierNames)[number];

/**
 * The longest text one `type` call takes: a pasted paragraph. Longer text is a file transfer,
 * not typing, and would hold the keyboard for seconds.
 */
export const MAX_TYPE_CHARACTERS = 4096;

/** Control characters that have a key: newline and carriage return (Return), tab (Tab). */
const TYPABLE_CONTROLS = new Set(['\n', '\r', '\t']);

function isOneCharacter(text: string): boolean {
  const codePoint = text.codePointAt(0);
  return codePoint !== undefined && String.fromCodePoint(codePoint).length === text.length;
}

function hasUntypableControl(text: string): boolean {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if ((code < 0x20 || (code >= 0x7f && code < 0xa0)) && !TYPABLE_CONTROLS.has(character)) {
      return true;
    }
  }
  return false;
}

/** One character (a single code point, not a control) or one of `namedKeys`. */
export const keySchema = z.union([
  z.enum(namedKeys),
  z
    .string()
    .refine(isOneCharacter, 'must be one character or a key name such as Return')
    .refine((text) => !hasUntypableControl(text), 'control characters have key names (Return, Tab)'),
]);
export type KeyName = z.infer<typeof keySchema>;

export const keyStrokeSchema = z.strictObject({
  key: keySchema,
  /** Held around the key, in addition to what this peer already holds. */
  modifiers: z.array(z.enum(modifierNames)).max(modifierNames.length).optional(),
});
export type KeyStroke = z.infer<typeof keyStrokeSchema>;

export const typeTextSchema = z
  .string()
  .min(1)
  .max(MAX_TYPE_CHARACTERS)
  .refine((text) => !hasUntypableControl(text), 'only tab and newline of the control characters can be typed');

/** What one peer holds and whether keys can be injected at all. */
export interface InputState {
  /** Injection works: the X server is connected. */
  ready: boolean;
  /** The X display keys go to, e.g. ":0". */
  display: string;
  /** In words, when not ready. */
  message: string;
  /** Keys this peer holds down (via `down`), in the order they were pressed. */
  held: KeyName[];
}

/**
 * The keyboard as a service: keys injected into the display node's X server, into whatever
 * window has the focus. Characters come out exactly as given, whatever the X server's layout:
 * a character the layout lacks is typed through a spare keycode mapped for the moment.
 *
 * Keys a peer holds are its own: they are released by `up`, by `release`, and always when the
 * peer disconnects, so no key stays stuck.
 */
export interface InputApi {
  /** Presses and releases one key, with `modifiers` held around it. */
  key(stroke: KeyStroke): Promise<void>;
  /** Types text; newline types Return and tab Tab. Rate-limited; either all of it is typed or none. */
  type(text: string): Promise<void>;
  /** Holds a key down (a sticky modifier, a held arrow) until `up`, `release` or disconnect. */
  down(key: KeyName): Promise<void>;
  /** Lets go of a key this peer holds; nothing happens if it does not hold it. */
  up(key: KeyName): Promise<void>;
  /** Lets go of every key this peer holds. */
  release(): Promise<void>;
  state(): Promise<InputState>;
  /** This peer's state now, then on every change (a key held or let go, the X server lost). */
  onState(listener: Listener<InputState>): Disposable;
}

export const inputSpec = defineCapability<InputApi>()({
  methods: {
    key: z.tuple([keyStrokeSchema]),
    type: z.tuple([typeTextSchema]),
    down: z.tuple([keySchema]),
    up: z.tuple([keySchema]),
    release: z.tuple([]),
    state: z.tuple([]),
  },
  events: {
    onState: z.tuple([]),
  },
});

/** A code to type on a phone's `/keyboard` page; shown on the display, with a QR code of `url`. */
export interface PairingCode {
  /** Six digits. */
  code: string;
  /** ISO time after which the code is refused. */
  expiresAt: string;
  /**
   * The `/keyboard` page with the code in its fragment, for the QR code; null when this host
   * serves no web page a phone could reach (the Electron shell without a web host).
   */
  url: string | null;
}

/** A phone or tablet paired as a keyboard. Its token is never shown again after pairing. */
export interface PairedDevice {
  id: string;
  /** What the device called itself when it paired, e.g. "Anna's phone". */
  name: string;
  pairedAt: string;
  expiresAt: string;
  /** ISO time of its last key, or null. */
  lastUsedAt: string | null;
  /** Connected now. */
  connected: boolean;
}

/**
 * Pairing phones as keyboards: the shell shows a code, the phone types it on `/keyboard` and
 * gets a token that reaches only the `input` capability. Not served to paired devices.
 */
export interface PairingApi {
  /** A new code; the previous one stops working. */
  code(): Promise<PairingCode>;
  devices(): Promise<PairedDevice[]>;
  /** Ends a device's pairing: its token stops working and its connection is closed. */
  revoke(id: string): Promise<void>;
  /** The paired devices now, then on every change. */
  onDevices(listener: Listener<PairedDevice[]>): Disposable;
}

export const deviceIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a device id');

export const pairingSpec = defineCapability<PairingApi>()({
  methods: {
    code: z.tuple([]),
    devices: z.tuple([]),
    revoke: z.tuple([deviceIdSchema]),
  },
  events: {
    onDevices: z.tuple([]),
  },
});

/** Longest device name kept: a label in a list, not a document. */
export const MAX_DEVICE_NAME_LENGTH = 64;

/** The body of `POST /keyboard/pair`. */
export const pairRequestSchema = z.strictObject({
  code: z.string().regex(/^\d{6}$/, 'must be the six digits shown on the display'),
  name: z.string().trim().min(1).max(MAX_DEVICE_NAME_LENGTH),
});
export type PairRequest = z.infer<typeof pairRequestSchema>;

/** What `POST /keyboard/pair` and `GET /keyboard/device` answer; the token travels as a cookie. */
export interface DeviceInfo {
  id: string;
  name: string;
  expiresAt: string;
}
