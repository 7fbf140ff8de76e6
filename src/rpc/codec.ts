import type { z } from 'zod';
import { KubedeskError } from '../contract/index.js';

/**
 * The largest frame a host accepts from a peer: 1 MiB. Big enough for a pasted document or a
 * catalog entry with an inline icon, small enough that a hostile peer cannot make the host
 * parse tens of megabytes per message.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Keys that could reach an object's prototype if some later code merged the value into another
 * object. JSON.parse makes them own properties, which is harmless by itself, but nothing we
 * accept has a reason to carry them, so they are refused at the boundary.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function byteLength(text: string): number {
  // Counting UTF-8 bytes without Buffer or TextEncoder allocations: this runs in every runtime.
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

/** Parses one frame of JSON, refusing oversize frames, bad JSON and prototype keys. */
export function parseFrame(text: string, maxBytes = MAX_FRAME_BYTES): unknown {
  // A string of N UTF-16 units is at most 3N bytes: skip the count when it cannot matter.
  if (text.length * 3 > maxBytes) {
    const size = text.length > maxBytes ? text.length : byteLength(text);
    if (size > maxBytes) {
      throw new KubedeskError(
        'frame-too-large',
        `frame of ${size} bytes exceeds the limit of ${maxBytes} bytes`,
        'FrameTooLarge',
      );
    }
  }
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) {
        throw new KubedeskError('forbidden-key', `key "${key}" is not allowed in a message`, 'ForbiddenKey');
      }
      return value;
    });
  } catch (error) {
    if (error instanceof KubedeskError) {
      throw error;
    }
    throw new KubedeskError('bad-json', `frame is not JSON: ${(error as Error).message}`, 'BadJson');
  }
}

/** Describes the first problems of a schema failure with the path of each field. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
