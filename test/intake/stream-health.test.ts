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
    { case: 'stream configured but never delivered, poller finds events', lastStreamAt: null, lastPollNewAt: ago(1), silent: true },
  ])('$case → silent: $silent', ({ lastStreamAt, lastPollNewAt, silent }) => {
    expect(streamSilence({ lastStreamAt, lastPollNewAt, now: NOW }).silent).toBe(silent);
  });

  it('says for how long and what to check', () => {
    expect(streamSilence({ lastStreamAt: ago(20), lastPollNewAt: ago(1), now: NOW })).toEqual({
      silent: true,
      reason: expect.stringMatching(/delivered nothing for 20 min while polling still finds new events \(check the stream's Health tab in Auth0\)/),
    });
    expect(STREAM_HEALTH_DEFAULTS.silenceMs).toBe(15 * 60_000);
  });
});
