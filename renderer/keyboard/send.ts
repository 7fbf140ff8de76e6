import { KubedeskError, type KeyName, type ModifierName } from '../../src/contract/index';
import { api } from '../connection';
import { useStore } from '../store/index';
import { nextModifierMode } from '../store/keyboardSlice';
import { MODIFIER_KEYS } from './layouts';

function report(error: unknown): void {
  const message = error instanceof KubedeskError ? error.message : String(error);
  useStore.getState().setKeyboardError(message);
}

/** Lets go of the sticky modifiers once a key has used them. */
function releaseSticky(): void {
  for (const modifier of useStore.getState().consumeStickyModifiers()) {
    api.input.up(MODIFIER_KEYS[modifier]).catch(report);
  }
}

/**
 * Sends one key. Calls go out in order on one connection, so a sticky Shift pressed before is
 * down on the host when the key arrives, and let go after it.
 */
export function sendKey(key: KeyName): void {
  api.input
    .key({ key })
    .then(() => useStore.getState().keyboardError !== null && useStore.getState().setKeyboardError(null))
    .catch(report);
  releaseSticky();
}

/** Sends a key again while it is held (key repeat): sticky modifiers stay for the repeats. */
export function repeatKey(key: KeyName): void {
  api.input.key({ key }).catch(report);
}

/** Tapping a modifier key: holds it on the host while sticky or locked, lets go when off. */
export function toggleModifier(modifier: ModifierName): void {
  const store = useStore.getState();
  const next = nextModifierMode(store.modifiers[modifier]);
  store.setModifierMode(modifier, next);
  const key = MODIFIER_KEYS[modifier];
  if (next === 'sticky') {
    api.input.down(key).catch(report);
  } else if (next === 'off') {
    api.input.up(key).catch(report);
  }
}

/** Types a whole string (the phone's text box). */
export async function sendText(text: string): Promise<boolean> {
  try {
    await api.input.type(text);
    useStore.getState().setKeyboardError(null);
    return true;
  } catch (error) {
    report(error);
    return false;
  }
}
