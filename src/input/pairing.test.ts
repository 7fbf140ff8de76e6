import { afterEach, describe, expect, it } from 'vitest';
import {
  DEVICE_TOKEN_TTL_MS,
  MAX_ATTEMPTS_PER_CODE,
  MAX_FAILURES_PER_ADDRESS,
  PAIRING_CODE_TTL_MS,
  PairingAuthority,
  PairingError,
} from './pairing.js';

let now = Date.parse('2026-05-12T10:00:00Z');
const authorities: PairingAuthority[] = [];

function authority(): PairingAuthority {
  const created = new PairingAuthority({ now: () => now });
  authorities.push(created);
  return created;
}

function refusal(action: () => unknown): PairingError {
  try {
    action();
  } catch (error) {
    if (error instanceof PairingError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a refusal');
}

afterEach(() => {
  for (const created of authorities.splice(0)) {
    created.dispose();
  }
});

describe('pairing a phone', () => {
  it('pairs with the shown code once, and the token authenticates until revoked', () => {
    const pairing = authority();
    pairing.setPageUrl('http://192.0.2.10:7420/keyboard');
    const { code, url } = pairing.issueCode();
    expect(code).toMatch(/^\d{6}$/);
    expect(url).toBe(`http://192.0.2.10:7420/keyboard#code=${code}`);

    const { token, device } = pairing.pair({ code, name: "  Anna's phone " }, '192.0.2.20');
    expect(device.name).toBe("Anna's phone");
    expect(pairing.authenticate(token)).toEqual(device);
    expect(pairing.authenticate(token + 'x')).toBeUndefined();
    expect(pairing.authenticate(undefined)).toBeUndefined();
    // One code, one device.
    expect(refusal(() => pairing.pair({ code, name: 'second' }, '192.0.2.21')).status).toBe(401);

    expect(pairing.revoke(device.id)).toBe(true);
    expect(pairing.authenticate(token)).toBeUndefined();
    expect(pairing.devices()).toEqual([]);
  });

  it('names the field of a malformed request', () => {
    const pairing = authority();
    pairing.issueCode();
    const error = refusal(() => pairing.pair({ code: '12345', name: 'x' }, 'a'));
    expect(error.status).toBe(400);
    expect(error.message).toContain('code');
    expect(refusal(() => pairing.pair({ code: '123456', name: '' }, 'a')).message).toContain('name');
    expect(refusal(() => pairing.pair({ code: '123456', name: 'x', admin: true }, 'a')).status).toBe(400);
  });

  it('voids a code after a few wrong guesses and after its lifetime', () => {
    const pairing = authority();
    const { code } = pairing.issueCode();
    const wrong = code === '000000' ? '000001' : '000000';
    for (let attempt = 1; attempt < MAX_ATTEMPTS_PER_CODE; attempt++) {
      expect(refusal(() => pairing.pair({ code: wrong, name: 'guess' }, `198.51.100.${attempt}`)).status).toBe(401);
    }
    expect(refusal(() => pairing.pair({ code: wrong, name: 'guess' }, '198.51.100.99')).message).toContain('void');
    // The right code no longer works either: the owner has to show a new one.
    expect(refusal(() => pairing.pair({ code, name: 'owner' }, '192.0.2.20')).status).toBe(401);

    const fresh = pairing.issueCode();
    now += PAIRING_CODE_TTL_MS + 1;
    expect(refusal(() => pairing.pair({ code: fresh.code, name: 'late' }, '192.0.2.20')).message).toContain(
      'no pairing code',
    );
  });

  it('refuses an address that keeps failing, even with the right code', () => {
    const pairing = authority();
    for (let failure = 0; failure < MAX_FAILURES_PER_ADDRESS; failure++) {
      pairing.issueCode();
      refusal(() => pairing.pair({ code: '999999', name: 'guess' }, '203.0.113.5'));
    }
    const { code } = pairing.issueCode();
    expect(refusal(() => pairing.pair({ code, name: 'guess' }, '203.0.113.5')).status).toBe(429);
    expect(pairing.pair({ code, name: 'owner' }, '192.0.2.20').device.name).toBe('owner');
  });

  it('lets a device token expire', () => {
    const pairing = authority();
    const { code } = pairing.issueCode();
    const { token, device } = pairing.pair({ code, name: 'phone' }, 'a');
    now += DEVICE_TOKEN_TTL_MS - 1;
    expect(pairing.isPaired(device.id)).toBe(true);
    now += 2;
    expect(pairing.authenticate(token)).toBeUndefined();
    expect(pairing.isPaired(device.id)).toBe(false);
  });

  it('tells listeners of pairings, connections and revocations', async () => {
    const pairing = authority();
    const seen: number[] = [];
    const api = pairing.api();
    const subscription = api.onDevices((devices) => seen.push(devices.length));
    await Promise.resolve();
    const { code } = await api.code();
    const { device } = pairing.pair({ code, name: 'phone' }, 'a');
    const presence = pairing.connected(device.id);
    expect((await api.devices())[0]?.connected).toBe(true);
    presence.dispose();
    await api.revoke(device.id);
    await expect(api.revoke(device.id)).rejects.toMatchObject({ code: 'not-found' });
    subscription.dispose();
    expect(seen).toEqual([0, 1, 1, 1, 0]);
  });
});
