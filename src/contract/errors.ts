import { z } from 'zod';

/**
 * Every failure that crosses a boundary carries these three fields, so the renderer can show
 * `message` to a person and branch on `code`, whatever the transport.
 */
export const errorCodes = [
  'bad-json',
  'bad-message',
  'forbidden-key',
  'frame-too-large',
  'unknown-method',
  'bad-arguments',
  'unavailable',
  'not-found',
  'conflict',
  'unauthorized',
  'timeout',
  'rate-limited',
  'disconnected',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export const remoteErrorSchema = z.strictObject({
  name: z.string(),
  code: z.enum(errorCodes),
  message: z.string(),
});

export type RemoteError = z.infer<typeof remoteErrorSchema>;

/** An error with a code that survives the trip through JSON. */
export class KubedeskError extends Error {
  override readonly name: string;
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, name = 'KubedeskError') {
    super(message);
    this.code = code;
    this.name = name;
  }

  toJSON(): RemoteError {
    return { name: this.name, code: this.code, message: this.message };
  }
}
