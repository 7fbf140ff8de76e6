import { describe, expect, it } from 'vitest';
import { hardwareStateSchema } from '../contract/index.js';
import { checkReply } from './client.js';

describe("checking a controller's reply", () => {
  it('refuses a __proto__ key instead of letting the schema drop it unseen', () => {
    const reply =
      '{"hdmi":{"active":"1","inputs":["1","2"]},"audio":{"active":"1","volume":50,"muted":false},' +
      '"power":{"__proto__":{"1":true}},"firmware":"x"}';
    expect(() => checkReply(hardwareStateSchema, reply, 'GET /v1/state')).toThrow(/refused: key "__proto__"/);
  });
});
