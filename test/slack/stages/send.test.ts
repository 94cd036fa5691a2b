import { describe, expect, it } from 'vitest';
import { sendWithRetry, type SendPolicy } from '../../../src/slack/stages/send.js';
import { ManualClock, httpError, platformError, rateLimitedError } from '../../helpers/slack-poster.js';

/** A call that fails with each scripted error in turn, then answers ok. */
function scripted(failures: Error[]): { call: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    call: async () => {
      const failure = failures[calls];
      calls += 1;
      if (failure) throw failure;
      return 'ok';
    },
  };
}

function policy(clock: ManualClock, extra: Partial<SendPolicy> = {}): SendPolicy {
  return {
    clock,
    backoff: { baseMs: 1000, maxMs: 60_000, random: () => 0 },
    maxAttempts: 5,
    maxRateLimitWaits: 10,
    deadlineAt: clock.now() + 600_000,
    ...extra,
  };
}

describe('sendWithRetry', () => {
  it.each([
    // three 429s then a 500: the 500 is the FIRST transient failure, so it waits the base backoff (equal jitter, random 0 → 500 ms), not 2^3 × base
    { name: '429s do not grow the 5xx backoff', failures: [rateLimitedError(2), rateLimitedError(2), rateLimitedError(2), httpError(500)], waits: [2000, 2000, 2000, 500] },
    // 5xx backoff grows with each transient failure, and a 429 in between waits exactly Retry-After
    { name: '5xx backoff grows across an interleaved 429', failures: [httpError(502), rateLimitedError(3), httpError(503), platformError('internal_error')], waits: [500, 3000, 1000, 2000] },
    // Retry-After is honoured as given, whatever transient failures came before
    { name: 'Retry-After is not scaled by earlier failures', failures: [httpError(500), httpError(500), rateLimitedError(1)], waits: [500, 1000, 1000] },
  ])('$name', async ({ failures, waits }) => {
    const clock = new ManualClock();
    const { call, calls } = scripted(failures);
    const outcome = await sendWithRetry('chat.postMessage', call, policy(clock));
    expect(outcome).toEqual({ ok: true, value: 'ok' });
    expect(calls()).toBe(failures.length + 1);
    expect(clock.waits).toEqual(waits);
  });

  it('gives up after maxAttempts transient failures, however many 429s came first', async () => {
    const clock = new ManualClock();
    const { call, calls } = scripted([rateLimitedError(1), rateLimitedError(1), httpError(500), httpError(500), httpError(500)]);
    const outcome = await sendWithRetry('chat.postMessage', call, policy(clock, { maxAttempts: 3 }));
    expect(outcome).toMatchObject({ ok: false, why: 'gave_up' });
    expect(calls()).toBe(5);
  });
});
