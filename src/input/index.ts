import { KubedeskError, type InputApi, type InputState } from '../contract/index.js';

export { KEYMAP_SETTLE_MS, Injector, type InjectorOptions } from './injector.js';
export { Keymap } from './keymap.js';
export { characterForKeysym, keysymForName, keysymsForCharacter } from './keysyms.js';
export * from './pairing.js';
export { createInput, type InputOptions, type InputService, type PeerInput, type PeerOptions } from './service.js';
export { openXConnection, type KeyboardMapping, type XConnection } from './xconnection.js';

/** The `input` capability of a host without an X display: every call says why it cannot type. */
export function unavailableInput(message: string): InputApi {
  const state: InputState = { ready: false, display: '', message, held: [] };
  const refuse = async (): Promise<never> => {
    throw new KubedeskError('unavailable', message, 'InputUnavailable');
  };
  return {
    key: refuse,
    type: refuse,
    down: refuse,
    up: refuse,
    release: async () => undefined,
    state: async () => state,
    onState(listener) {
      queueMicrotask(() => listener(state));
      return { dispose() {} };
    },
  };
}
