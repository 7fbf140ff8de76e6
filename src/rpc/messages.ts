import { z } from 'zod';
import { remoteErrorSchema } from '../contract/index.js';

/**
 * The wire protocol. A peer sends `call`, `listen` and `unlisten`; the host answers with `result`
 * and pushes `event`. Ids are chosen by the caller and unique per connection.
 */
const id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be an identifier');

export const callMessage = z.strictObject({
  type: z.literal('call'),
  id,
  capability: name,
  method: name,
  args: z.array(z.unknown()).max(16),
});

export const listenMessage = z.strictObject({
  type: z.literal('listen'),
  id,
  capability: name,
  event: name,
  args: z.array(z.unknown()).max(16),
});

export const unlistenMessage = z.strictObject({
  type: z.literal('unlisten'),
  id,
});

export const resultMessage = z.union([
  z.strictObject({ type: z.literal('result'), id, ok: z.literal(true), value: z.unknown() }),
  // `id: null` answers a frame whose id could not be read (bad JSON, oversize, no id).
  z.strictObject({ type: z.literal('result'), id: id.nullable(), ok: z.literal(false), error: remoteErrorSchema }),
]);

export const eventMessage = z.strictObject({
  type: z.literal('event'),
  id,
  value: z.unknown(),
});

/** What a host accepts from a peer. */
export const requestMessage = z.discriminatedUnion('type', [callMessage, listenMessage, unlistenMessage]);
/** What a peer accepts from a host. */
export const responseMessage = z.union([resultMessage, eventMessage]);

export type CallMessage = z.infer<typeof callMessage>;
export type ListenMessage = z.infer<typeof listenMessage>;
export type RequestMessage = z.infer<typeof requestMessage>;
export type ResultMessage = z.infer<typeof resultMessage>;
export type EventMessage = z.infer<typeof eventMessage>;
export type ResponseMessage = z.infer<typeof responseMessage>;
