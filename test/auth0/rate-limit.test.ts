import { describe, expect, it } from 'vitest';
import { paceDelayMs, readRateLimit, retryAfterMs } from '../../src/auth0/rate-limit.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const inSeconds = (s: number) => String(NOW / 1000 + s);

describe('retryAfterMs', () => {
  it.each([
    // x-ratelimit-reset (epoch seconds) wins
    [{ 'x-ratelimit-reset': inSeconds(7), 'retry-after': '2' }, 7_000],
    // Retry-After in seconds when the reset is missing
    [{ 'retry-after': '3' }, 3_000],
    // Retry-After as an HTTP date
    [{ 'retry-after': new Date(NOW + 4_000).toUTCString() }, 4_000],
    // reset already passed and nothing else: a short fallback, not a hammering loop
    [{ 'x-ratelimit-reset': inSeconds(-10) }, 1_000],
    // nothing at all
    [{}, 1_000],
    // absurd reset (clock skew): capped
    [{ 'x-ratelimit-reset': inSeconds(86_400) }, 120_000],
    // garbage
    [{ 'x-ratelimit-reset': 'soon', 'retry-after': 'later' }, 1_000],
  ])('%j → %i ms', (headers, expected) => {
    expect(retryAfterMs(headers, NOW)).toBe(expected);
  });
});

describe('paceDelayMs', () => {
  it.each([
    // plenty left: no pause
    [{ limit: 50, remaining: 40, resetAtMs: NOW + 10_000 }, 0],
    // 2 left, 9 s to reset: spread over 3 slots
    [{ limit: 50, remaining: 2, resetAtMs: NOW + 9_000 }, 3_000],
    // none left: wait for the reset
    [{ limit: 50, remaining: 0, resetAtMs: NOW + 5_000 }, 5_000],
    // reset passed: go
    [{ limit: 50, remaining: 0, resetAtMs: NOW - 1 }, 0],
    // headers absent
    [{}, 0],
  ])('%j → %i ms', (info, expected) => {
    expect(paceDelayMs(info, NOW)).toBe(expected);
  });

  it('reads the three headers', () => {
    expect(readRateLimit({ 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '49', 'x-ratelimit-reset': '1714564800' })).toEqual({
      limit: 50,
      remaining: 49,
      resetAtMs: 1714564800000,
    });
  });
});
