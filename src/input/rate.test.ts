import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate.js';

describe('the keystroke budget', () => {
  it('takes a burst whole or not at all, then refills at its rate', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 10, () => now);
    expect(bucket.take(101)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now += 500;
    expect(bucket.take(6)).toBe(false);
    expect(bucket.take(5)).toBe(true);
    now += 60_000;
    expect(bucket.take(100)).toBe(true);
  });
});
