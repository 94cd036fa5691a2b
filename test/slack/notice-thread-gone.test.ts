import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NoticeMessage } from '../../src/slack/format-notice.js';
import { createSender } from '../../src/slack/sender.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { FakePoster, ManualClock, captureLogger, platformError } from '../helpers/slack-poster.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

// A notice's "resolved" reply goes in the notice's thread. When someone deleted the notice in
// Slack, the reply is refused for good (thread_not_found or message_not_found): it goes to the
// log, and is never tried again at every drain.
let state: TempState;
let clock: ManualClock;
let poster: FakePoster;

beforeEach(() => {
  state = tempStateDb();
  clock = new ManualClock();
  poster = new FakePoster(clock);
});
afterEach(() => state.cleanup());

const isNotice = (body: { metadata: { event_type: string } }) => body.metadata.event_type === 'auth0_log_alerts_notice';

describe('a notice deleted in Slack before its "resolved" reply', () => {
  it.each(['thread_not_found', 'message_not_found'])('%s: the reply goes to the log once, never retried', async (code) => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#gone');
    poster.script = (message) => (message.channel === '#gone' ? platformError('channel_not_found') : undefined);
    const log = captureLogger();
    const bot = createSender({ store: state.store, poster, catalog: fakeCatalog(), logger: log.logger, defaultChannel: '#alerts', clock, noticeChannel: '#ops', failedCooldownMs: 1000, backoff: { random: () => 0 } });
    await bot.drainOnce();
    const notice = poster.posts.find(isNotice)!;
    expect((notice as unknown as NoticeMessage).metadata.event_payload).toMatchObject({ kind: 'dead_channel', state: 'open' });

    // The channel works again, but the notice was deleted: its thread is gone.
    poster.script = (message) => (message.thread_ts === notice.ts ? platformError(code) : undefined);
    for (let round = 0; round < 3; round++) {
      clock.time += 2000;
      await bot.drainOnce();
    }
    const replies = poster.attempts.filter((attempt) => attempt.body.thread_ts === notice.ts);
    expect(replies).toHaveLength(1);
    expect(poster.posts.filter(isNotice)).toHaveLength(1);
    expect(await state.store.listProblems()).toEqual([]);
    expect(log.lines().some((line) => line.msg.startsWith('resolved: alerts for #gone are held'))).toBe(true);
  });
});
