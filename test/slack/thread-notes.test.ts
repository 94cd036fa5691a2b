import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createThreadNotes } from '../../src/slack/actions/notes.js';
import type { ThreadNoteMessage } from '../../src/slack/format-thread-note.js';
import type { StateStore } from '../../src/state/store.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { ManualClock, captureLogger, platformError, rateLimitedError } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

// The thread-notes worker paces itself like the sender: about one note a second per
// channel, and nothing more to a channel that answered 429 until its Retry-After passed.
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
let state: ReturnType<typeof tempStateDb>;
let clock: ManualClock;

beforeEach(() => {
  state = tempStateDb();
  clock = new ManualClock(T0 + 120_000);
});
afterEach(() => state.cleanup());

/** Posted incidents in `channel`, each acknowledged: one audit note owed per incident. */
async function acknowledgedIncidents(store: StateStore, channel: string, n: number, first: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const checkpoint = `9002024010100000000000000000000000000000000000000000${String(first + i).padStart(5, '0')}`;
    const alert = makeAlert({ incident: `inc-${channel}-${i}`, channel: undefined });
    const after = (await store.readTenant('acme'))?.checkpoint ?? null;
    await store.commitPage('acme', { after, checkpoint, checkpointDate: new Date(T0).toISOString(), ruleState: {}, alerts: [alert], defaultChannel: '#alerts' });
    const [row] = (await store.pendingRows('#alerts', 10)).rows.filter((r) => r.incident === alert.incident);
    await store.recordDelivery({ rows: [row!], messageTs: `100.${first + i}`, channel, parent: true }, new Date(T0));
    await store.recordIncidentAction({ action: 'acknowledge', incident: alert.incident, user: 'U1', at: new Date(T0 + 60_000), channel, messageTs: `100.${first + i}` });
  }
}

function worker(answer: (message: ThreadNoteMessage, call: number) => Error | undefined = () => undefined) {
  const calls: { channel: string; at: number }[] = [];
  const notes = createThreadNotes({
    store: state.store,
    logger: silentLogger(),
    owner: 'test',
    clock,
    post: async (message) => {
      calls.push({ channel: message.channel, at: clock.now() });
      const error = answer(message, calls.length);
      if (error) throw error;
      return { ts: `200.${calls.length}` };
    },
  });
  return { notes, calls };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('thread notes: pacing', () => {
  it('posts about one note a second per channel', async () => {
    await acknowledgedIncidents(state.store, 'C1', 3, 1);
    await acknowledgedIncidents(state.store, 'C2', 2, 10);
    const { notes, calls } = worker();
    await notes.flush();
    expect(calls).toHaveLength(5);
    const at = (channel: string) => calls.filter((c) => c.channel === channel).map((c) => c.at);
    expect(gaps(at('C1')).every((gap) => gap >= 1000), `C1 gaps ${gaps(at('C1')).join(', ')}`).toBe(true);
    expect(gaps(at('C2')).every((gap) => gap >= 1000), `C2 gaps ${gaps(at('C2')).join(', ')}`).toBe(true);
    expect(await state.store.dueThreadNotes(new Date(clock.now()), 10)).toEqual([]);
  });

  it('after a 429 posts nothing more to that channel until Retry-After has passed, then each note once', async () => {
    await acknowledgedIncidents(state.store, 'C1', 3, 1);
    const { notes, calls } = worker((_message, call) => (call === 1 ? rateLimitedError(30) : undefined));
    await notes.flush();
    // The 429 was answered (the setup ran), and no other note went to C1 within its 30 s.
    expect(calls).toHaveLength(1);
    clock.time += 10_000;
    await notes.flush();
    expect(calls).toHaveLength(1);
    clock.time += 20_000;
    await notes.flush();
    expect(calls.length).toBe(4);
    expect(calls.slice(1).every((c) => c.at >= calls[0]!.at + 30_000)).toBe(true);
    expect(await state.store.dueThreadNotes(new Date(clock.now() + 60_000), 10)).toEqual([]);
  });
});

describe('thread notes: the message they answer was deleted in Slack', () => {
  it('an audit reply refused with thread_not_found is not posted standalone, not retried, and the log says why', async () => {
    await acknowledgedIncidents(state.store, 'C1', 1, 1);
    const log = captureLogger();
    const calls: string[] = [];
    const notes = createThreadNotes({
      store: state.store,
      logger: log.logger,
      owner: 'test',
      clock,
      post: async (message) => {
        calls.push(message.thread_ts ?? 'standalone');
        throw platformError('thread_not_found');
      },
    });
    await notes.flush();
    clock.time += 60 * 60_000;
    await notes.flush();
    expect(calls).toEqual(['100.1']);
    expect(await state.store.dueThreadNotes(new Date(clock.now()), 10)).toEqual([]);
    expect(log.lines().map((line) => line.msg)).toEqual([
      'the acknowledge reply of incident inc-C1-0 is not posted: its message was deleted in Slack (thread_not_found); the acknowledge itself is recorded',
    ]);
  });
});
