import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withStreamSilenceWatch } from '../../src/intake/stream-health.js';
import type { NoticeMessage } from '../../src/slack/format-notice.js';
import { createSender } from '../../src/slack/sender.js';
import { fakeCatalog } from '../helpers/slack-fixtures.js';
import { FakePoster, ManualClock, captureLogger } from '../helpers/slack-poster.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

// Issue #15: a stream silent for longer than the threshold while the poller
// finds events is told in Slack like the bot's other notices about itself —
// through the problems table and the sender's notices, once, then resolved.

const MINUTE = 60_000;
const T0 = Date.parse('2024-05-01T12:00:00Z');
let state: TempState;
let clock: ManualClock;
let poster: FakePoster;
let log: ReturnType<typeof captureLogger>;
let version = 0;
beforeEach(() => {
  state = tempStateDb();
  clock = new ManualClock();
  poster = new FakePoster(clock);
  log = captureLogger();
  version = 0;
});
afterEach(() => state.cleanup());

const streamDelivers = async (at: number) => {
  await state.store.commitStreamBatch('acme', { ruleStateVersion: version++, ruleState: {}, alerts: [], logIds: [`s${at}`], defaultChannel: '#alerts', now: new Date(at) });
};
const pollFindsNew = async (at: number) => {
  await state.store.commitPage('acme', { checkpoint: `9${at}`, checkpointDate: null, ruleState: {}, alerts: [], logIds: [`p${at}`], defaultChannel: '#alerts', now: new Date(at), ruleStateVersion: version++ });
};
const notices = () => poster.posts.filter((p) => (p.metadata.event_type as string) === 'auth0_log_alerts_notice') as unknown as NoticeMessage[];

describe('silent log stream notice', () => {
  it('one notice while the stream stays silent and polling finds events, a "resolved" reply once it delivers again', async () => {
    let now = T0;
    let cycles = 0;
    // The bot has run for an hour: the silence is past the grace of its start.
    const startedAt = new Date(T0 - 60 * MINUTE);
    const cycle = withStreamSilenceWatch(async () => ({ ok: true, n: ++cycles }), { tenant: 'acme', store: state.store, logger: log.logger, noticeChannel: '#sec', startedAt }, () => new Date(now));
    const sender = createSender({ store: state.store, poster, catalog: fakeCatalog(), logger: log.logger, defaultChannel: '#alerts', clock, backoff: { random: () => 0 } });

    await streamDelivers(T0 - 20 * MINUTE);
    await pollFindsNew(T0 - 10 * MINUTE); // 10 min after the last delivery: not a race with a healthy stream
    expect(await cycle()).toEqual({ ok: true, n: 1 }); // the cycle's report passes through
    await sender.drainOnce();
    expect(notices()).toHaveLength(1);
    expect(notices()[0]).toMatchObject({ channel: '#sec', metadata: { event_payload: { kind: 'stream_silent', tenant: 'acme', problem: 'stream_silent:acme', state: 'open' } } });
    expect(notices()[0]!.text).toMatch(/log stream has delivered nothing for 20 min/);

    // Still silent a cycle later: no second notice (the sentence in `status` follows).
    now += 5 * MINUTE;
    await pollFindsNew(now);
    await cycle();
    await sender.drainOnce();
    expect(notices()).toHaveLength(1);
    expect((await state.store.listProblems())[0]!.summary).toMatch(/for 25 min/);

    // The stream delivers again: resolved, and the reply goes under the notice.
    now += MINUTE;
    await streamDelivers(now);
    await cycle();
    await sender.drainOnce();
    expect(notices()).toHaveLength(2);
    expect(notices()[1]).toMatchObject({ thread_ts: (notices()[0] as unknown as { ts: string }).ts, metadata: { event_payload: { kind: 'stream_silent', state: 'resolved' } } });
    expect(await state.store.listProblems()).toEqual([]);
  });

  it('says nothing for a healthy or quiet stream, and checks only after a cycle that ran', async () => {
    const now = T0;
    let ran: { ok: boolean } | undefined = { ok: true };
    const cycle = withStreamSilenceWatch(async () => ran, { tenant: 'acme', store: state.store, logger: log.logger, noticeChannel: undefined }, () => new Date(now));
    await streamDelivers(T0 - 20 * MINUTE);
    await pollFindsNew(T0 - 19 * MINUTE); // the poller won a race with the stream's POST
    await cycle();
    expect(await state.store.listProblems()).toEqual([]);
    // A never-delivering stream while polling finds events, past the grace of the start, is silent — but a skipped cycle (a rejected tenant waiting) checks nothing.
    const other = tempStateDb();
    try {
      await other.store.commitPage('acme', { checkpoint: '9', checkpointDate: null, ruleState: {}, alerts: [], logIds: ['p'], defaultChannel: '#alerts', now: new Date(T0 - MINUTE) });
      ran = undefined;
      const startedAt = new Date(T0 - 30 * MINUTE);
      const skipped = withStreamSilenceWatch(async () => ran, { tenant: 'acme', store: other.store, logger: log.logger, noticeChannel: undefined, startedAt }, () => new Date(now));
      await skipped();
      expect(await other.store.listProblems()).toEqual([]);
      ran = { ok: true };
      await skipped();
      expect((await other.store.listProblems()).map((p) => p.kind)).toEqual(['stream_silent']);
    } finally {
      other.cleanup();
    }
  });
});

describe('silent log stream: the grace of the start (STREAM_SILENT_AFTER), on fake timers', () => {
  afterEach(() => vi.useRealTimers());

  /** The bot's wiring: the watch created at start, reading the (fake) clock for each check. */
  const startWatch = (silenceMs?: number) =>
    withStreamSilenceWatch(async () => ({ ok: true }), { tenant: 'acme', store: state.store, logger: log.logger, noticeChannel: '#sec', ...(silenceMs ? { options: { silenceMs } } : {}) });
  /** One poll cycle at the fake now that found events no stream delivered, then the check. */
  const pollCycle = async (cycle: () => Promise<unknown>) => {
    await pollFindsNew(Date.now());
    await cycle();
  };
  const openKinds = async () => (await state.store.listProblems()).map((p) => p.kind);

  it('a fresh install: no notice while the stream has had less than STREAM_SILENT_AFTER since the start, one after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const cycle = startWatch();
    // Polling finds the backlog at once, and new events every few minutes: the stream never delivered, yet within its grace.
    for (const minute of [0, 3, 8, 14, 15]) {
      vi.setSystemTime(T0 + minute * MINUTE);
      await pollCycle(cycle);
      expect(await openKinds(), `minute ${minute}`).toEqual([]);
    }
    vi.setSystemTime(T0 + 16 * MINUTE);
    await pollCycle(cycle);
    expect(await openKinds()).toEqual(['stream_silent']);
    expect((await state.store.listProblems())[0]!.summary).toMatch(/delivered nothing in the 16 min since the bot started/);
    // The stream delivers: resolved.
    vi.setSystemTime(T0 + 17 * MINUTE);
    await streamDelivers(Date.now());
    await pollCycle(cycle);
    expect(await openKinds()).toEqual([]);
  });

  it('a restart after downtime: the last delivery long ago does not trip the notice before the grace has passed', async () => {
    await streamDelivers(T0 - 24 * 60 * MINUTE);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const cycle = startWatch();
    await pollCycle(cycle); // the catch-up of a day of events
    vi.setSystemTime(T0 + 10 * MINUTE);
    await pollCycle(cycle);
    expect(await openKinds()).toEqual([]);
    vi.setSystemTime(T0 + 16 * MINUTE);
    await pollCycle(cycle);
    expect(await openKinds()).toEqual(['stream_silent']);
  });

  it('STREAM_SILENT_AFTER sets the threshold (and the grace)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const cycle = startWatch(5 * MINUTE);
    await streamDelivers(T0 + MINUTE);
    vi.setSystemTime(T0 + 5 * MINUTE);
    await pollCycle(cycle);
    expect(await openKinds()).toEqual([]);
    vi.setSystemTime(T0 + 7 * MINUTE);
    await pollCycle(cycle);
    expect(await openKinds()).toEqual(['stream_silent']);
    expect((await state.store.listProblems())[0]!.summary).toMatch(/delivered nothing for 6 min/);
  });
});
