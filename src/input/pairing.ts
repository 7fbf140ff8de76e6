import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import {
  KubedeskError,
  pairRequestSchema,
  type DeviceInfo,
  type Disposable,
  type PairedDevice,
  type PairingApi,
  type PairingCode,
} from '../contract/index.js';

/** A code lives two minutes: long enough to read and type, short enough to be useless later. */
export const PAIRING_CODE_TTL_MS = 2 * 60_000;
/**
 * Wrong guesses one code survives before it is void. With six digits and five guesses per code,
 * a guesser's chance is 1 in 200,000 per code the owner shows.
 */
export const MAX_ATTEMPTS_PER_CODE = 5;
/** Failed pairings one address may make per window before it is refused outright. */
export const MAX_FAILURES_PER_ADDRESS = 10;
export const FAILURE_WINDOW_MS = 10 * 60_000;
/** A paired device keeps working for 30 days, then pairs again; revoking ends it at once. */
export const DEVICE_TOKEN_TTL_MS = 30 * 24 * 60 * 60_000;
/** Devices paired at once; pairing more asks the owner to revoke one first. */
export const MAX_DEVICES = 16;
/** How often expired devices are dropped (and their connections closed). */
const EXPIRY_SWEEP_MS = 60_000;
const CODE_DIGITS = 6;

/** A refusal of `/keyboard/pair`, with the HTTP status that says what kind. */
export class PairingError extends Error {
  constructor(
    readonly status: 400 | 401 | 409 | 429,
    message: string,
  ) {
    super(message);
    this.name = 'PairingError';
  }
}

interface DeviceRecord {
  id: string;
  name: string;
  tokenHash: string;
  pairedAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  connections: number;
}

interface IssuedCode {
  code: string;
  expiresAt: number;
  attempts: number;
}

export interface PairingOptions {
  now?: () => number;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Codes, paired devices and their tokens. Only hashes of tokens are kept, in memory: a host
 * restart ends every pairing (see docs/keyboard.md).
 */
export class PairingAuthority {
  private readonly now: () => number;
  private code: IssuedCode | undefined;
  private readonly devicesById = new Map<string, DeviceRecord>();
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly listeners = new Set<(devices: PairedDevice[]) => void>();
  private pageUrl: string | null = null;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(options: PairingOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), EXPIRY_SWEEP_MS);
    this.sweeper.unref?.();
  }

  /** Where phones open the keyboard page (the web host sets it once it listens). */
  setPageUrl(url: string | null): void {
    this.pageUrl = url;
  }

  issueCode(): PairingCode {
    const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
    this.code = { code, expiresAt: this.now() + PAIRING_CODE_TTL_MS, attempts: 0 };
    return {
      code,
      expiresAt: new Date(this.code.expiresAt).toISOString(),
      url: this.pageUrl === null ? null : `${this.pageUrl}#code=${code}`,
    };
  }

  private noteFailure(address: string): void {
    const now = this.now();
    const entry = this.failures.get(address);
    if (!entry || now - entry.since > FAILURE_WINDOW_MS) {
      this.failures.set(address, { count: 1, since: now });
    } else {
      entry.count++;
    }
  }

  /**
   * Pairs a device from the body of `POST /keyboard/pair`. Returns the token once; throws a
   * PairingError for a bad body, a wrong or expired code, or too many failures.
   */
  pair(body: unknown, address: string): { token: string; device: DeviceInfo } {
    const now = this.now();
    const failures = this.failures.get(address);
    if (failures && now - failures.since <= FAILURE_WINDOW_MS && failures.count >= MAX_FAILURES_PER_ADDRESS) {
      throw new PairingError(429, 'too many wrong codes from this address: wait ten minutes');
    }
    const parsed = pairRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PairingError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const issued = this.code;
    if (!issued || now > issued.expiresAt) {
      this.noteFailure(address);
      throw new PairingError(401, 'no pairing code is valid now: show a new one on the display');
    }
    if (!sameText(parsed.data.code, issued.code)) {
      this.noteFailure(address);
      issued.attempts++;
      if (issued.attempts >= MAX_ATTEMPTS_PER_CODE) {
        this.code = undefined;
        throw new PairingError(401, 'wrong code; that code is now void: show a new one on the display');
      }
      throw new PairingError(401, 'wrong code');
    }
    this.sweep();
    if (this.devicesById.size >= MAX_DEVICES) {
      throw new PairingError(409, `${MAX_DEVICES} devices are paired already: revoke one on the display first`);
    }
    // A code pairs one device.
    this.code = undefined;
    const token = randomBytes(32).toString('base64url');
    const record: DeviceRecord = {
      id: randomBytes(9).toString('base64url'),
      name: parsed.data.name,
      tokenHash: hashToken(token),
      pairedAt: now,
      expiresAt: now + DEVICE_TOKEN_TTL_MS,
      lastUsedAt: null,
      connections: 0,
    };
    this.devicesById.set(record.id, record);
    this.changed();
    return { token, device: this.info(record) };
  }

  private info(record: DeviceRecord): DeviceInfo {
    return { id: record.id, name: record.name, expiresAt: new Date(record.expiresAt).toISOString() };
  }

  /** The device a token belongs to, if it is paired and not expired. */
  authenticate(token: string | undefined): DeviceInfo | undefined {
    if (!token) {
      return undefined;
    }
    const hash = hashToken(token);
    for (const record of this.devicesById.values()) {
      if (sameText(record.tokenHash, hash) && this.now() < record.expiresAt) {
        return this.info(record);
      }
    }
    return undefined;
  }

  /** Whether a device is still paired (its connections are closed when not). */
  isPaired(id: string): boolean {
    const record = this.devicesById.get(id);
    return record !== undefined && this.now() < record.expiresAt;
  }

  devices(): PairedDevice[] {
    return [...this.devicesById.values()].map((record) => ({
      id: record.id,
      name: record.name,
      pairedAt: new Date(record.pairedAt).toISOString(),
      expiresAt: new Date(record.expiresAt).toISOString(),
      lastUsedAt: record.lastUsedAt === null ? null : new Date(record.lastUsedAt).toISOString(),
      connected: record.connections > 0,
    }));
  }

  revoke(id: string): boolean {
    const removed = this.devicesById.delete(id);
    if (removed) {
      this.changed();
    }
    return removed;
  }

  /** Counts a device's connections, for the list in the shell. */
  connected(id: string): Disposable {
    const record = this.devicesById.get(id);
    if (record) {
      record.connections++;
      this.changed();
    }
    let done = false;
    return {
      dispose: () => {
        if (!done && record) {
          done = true;
          record.connections--;
          if (this.devicesById.has(id)) {
            this.changed();
          }
        }
      },
    };
  }

  /** Notes a device's key; not broadcast, the list shows it at its next change. */
  used(id: string): void {
    const record = this.devicesById.get(id);
    if (record) {
      record.lastUsedAt = this.now();
    }
  }

  onChange(listener: (devices: PairedDevice[]) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    const devices = this.devices();
    for (const listener of [...this.listeners]) {
      listener(devices);
    }
  }

  private sweep(): void {
    const now = this.now();
    let removed = false;
    for (const [id, record] of this.devicesById) {
      if (now >= record.expiresAt) {
        this.devicesById.delete(id);
        removed = true;
      }
    }
    for (const [address, entry] of this.failures) {
      if (now - entry.since > FAILURE_WINDOW_MS) {
        this.failures.delete(address);
      }
    }
    if (removed) {
      this.changed();
    }
  }

  /** The `pairing` capability over this authority, for the shell. */
  api(): PairingApi {
    return {
      code: async () => this.issueCode(),
      devices: async () => this.devices(),
      revoke: async (id) => {
        if (!this.revoke(id)) {
          throw new KubedeskError('not-found', `no paired device "${id}"`, 'NotFound');
        }
      },
      onDevices: (listener) => {
        let active = true;
        const subscription = this.onChange(listener);
        queueMicrotask(() => active && listener(this.devices()));
        return {
          dispose() {
            active = false;
            subscription.dispose();
          },
        };
      },
    };
  }

  dispose(): void {
    clearInterval(this.sweeper);
    this.listeners.clear();
  }
}
