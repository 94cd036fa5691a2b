import { describe, expect, it } from 'vitest';
import { STREAM_HEALTH_DEFAULTS, streamSilence } from '../../src/intake/stream-health.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

describe('streamSilence', () => {
  it.each([
    // The poller never found anything the stream had not delivered: nothing to say.
    { case: 'healthy stream, poller finds nothing new', lastStreamAt: ago(1), lastPollNewAt: null, silent: false },
    { case: 'quiet tenant: no delivery for hours, and nothing new polled since', lastStreamAt: ago(300), lastPollNewAt: ago(301), silent: false },
    // The poller won a race against a healthy stream: an event polled seconds before its POST.
    { case: 'poller found events just after the last delivery (race)', lastStreamAt: ago(30), lastPollNewAt: ago(29), silent: false },
    { case: 'poller finds events, stream silent for less than the threshold', lastStreamAt: ago(10), lastPollNewAt: ago(1), silent: false },
    { case: 'poller finds events, stream silent for 20 min', lastStreamAt: ago(20), lastPollNewAt: ago(1), silent: true },
    { case: 'stream configured but never delivered, poller finds events (no start known)', lastStreamAt: null, lastPollNewAt: ago(1), silent: true },
    // The grace of the start: a stream gets the threshold from the bot's start, whatever happened before.
    { case: 'never delivered, bot started 10 min ago', lastStreamAt: null, lastPollNewAt: ago(1), watchingSince: ago(10), silent: false },
    { case: 'never delivered, bot started 20 min ago', lastStreamAt: null, lastPollNewAt: ago(1), watchingSince: ago(20), silent: true },
    { case: 'never delivered, bot started 20 min ago, events found only at the start', lastStreamAt: null, lastPollNewAt: ago(19), watchingSince: ago(20), silent: false },
    { case: 'last delivery a day ago, bot restarted 5 min ago', lastStreamAt: ago(1440), lastPollNewAt: ago(1), watchingSince: ago(5), silent: false },
    { case: 'last delivery a day ago, bot restarted 30 min ago', lastStreamAt: ago(1440), lastPollNewAt: ago(1), watchingSince: ago(30), silent: true },
  ])('$case → silent: $silent', ({ lastStreamAt, lastPollNewAt, watchingSince, silent }) => {
    expect(streamSilence({ lastStreamAt, lastPollNewAt, watchingSince, now: NOW }).silent).toBe(silent);
  });

  it('takes its threshold from the options (STREAM_SILENT_AFTER), the race window never longer', () => {
    const input = { lastStreamAt: ago(6), lastPollNewAt: ago(1), now: NOW };
    expect(streamSilence(input).silent).toBe(false);
    expect(streamSilence(input, { silenceMs: 5 * 60_000 }).silent).toBe(true);
    // A 20 s threshold: events found 30 s after the last delivery count (not within a 2 min race).
    expect(streamSilence({ lastStreamAt: ago(1), lastPollNewAt: ago(0.5), now: NOW }, { silenceMs: 20_000 }).silent).toBe(true);
  });

  it('says for how long and what to check', () => {
    expect(streamSilence({ lastStreamAt: ago(20), lastPollNewAt: ago(1), now: NOW })).toEqual({
      silent: true,
      reason: expect.stringMatching(/delivered nothing for 20 min while polling still finds new events \(check the stream's Health tab in Auth0\)/),
    });
    expect(STREAM_HEALTH_DEFAULTS.silenceMs).toBe(15 * 60_000);
  });
});
