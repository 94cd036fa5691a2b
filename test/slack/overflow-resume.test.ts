import { hostname } from 'node:os';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { AlertMetadata } from '../../src/slack/format.js';
import { createSlackClient } from '../../src/slack/poster.js';
import { createSender, type SenderInput } from '../../src/slack/sender.js';
import type { StateStore } from '../../src/state/store.js';
import { describePg, tempPgStore } from '../helpers/pg.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { ManualClock, captureLogger } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

// CONTRACT.md: each log id is reported by exactly one posted auth0_log_alert message, at
// most 100 per message. An alert of 350 log ids goes out as 4 messages: its own (ids 1–100)
// and 3 replies in its thread ("part 2 of 4" …). A crash, or Slack failing, between those
// messages must leave neither a log id that no message reports (the parts still owed are
// posted after the restart / on the retry, in the same thread) nor one reported twice (a part
// Slack said ok to is never posted again, the alert's own message least of all).
// Real state stores (SQLite in a temp folder, PostgreSQL in a schema of its own), a real
// WebClient, nock at the HTTP edge.
const API = 'https://slack.test';
const TOKEN = 'xoxb-not-a-real-token-123';
/** A process of this host that no longer runs (no pid above Linux's pid_max): its channel lease is taken over at once. */
const CRASHED_OWNER = `${hostname()}:4194305:crashed`;

interface Body {
  channel: string;
  text: string;
  metadata: AlertMetadata;
  thread_ts?: string;
  ts: string;
}
/** What Slack does with one chat.postMessage call. `hang`: the process dies while this request is in flight. */
type Answer = 'ok' | 'hang' | { status: number } | { error: string };

interface Backend {
  store: StateStore;
  /** The same state opened again: the restarted process's view. */
  reopen(): Promise<StateStore>;
  cleanup(): Promise<void>;
}

let answers: Answer[];
/** The messages Slack said ok to, in order, with the ts it answered. */
let posted: Body[];
let calls: number;
let hung: () => void;
let hang: Promise<void>;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  answers = [];
  posted = [];
  calls = 0;
  hang = new Promise((resolve) => (hung = resolve));
  nock(API)
    .persist()
    .post('/api/chat.postMessage')
    .reply(function (_uri, raw, callback) {
      const params = typeof raw === 'string' ? Object.fromEntries(new URLSearchParams(raw)) : (raw as Record<string, string>);
      const body = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, /^([[{]|true$|false$)/.test(String(value)) ? JSON.parse(String(value)) : value]));
      const answer = answers[calls] ?? 'ok';
      calls += 1;
      if (answer === 'hang') {
        hung(); // never answered: this process is gone
        return;
      }
      if (answer !== 'ok') {
        callback(null, 'status' in answer ? [answer.status, 'upstream failure'] : [200, { ok: false, error: answer.error }]);
        return;
      }
      const ts = `1700000000.${String(posted.length + 1).padStart(6, '0')}`;
      posted.push({ ...(body as Omit<Body, 'ts'>), ts });
      callback(null, [200, { ok: true, channel: 'CALERTS', ts }]);
    });
});
afterEach(() => nock.cleanAll());

/** An alert of `n` log ids (a threshold window of `n` events). */
function bigAlert(n: number): Alert {
  return makeAlert({
    ruleId: 'brute-force-by-ip',
    incident: 'brute-force-by-ip:203.0.113.7',
    group: { ip: '203.0.113.7' },
    count: n,
    incidentCount: n,
    logIds: Array.from({ length: n }, (_, i) => `903000${String(i).padStart(4, '0')}`),
  });
}

function sender(store: StateStore, clock: ManualClock, extra: Partial<SenderInput> = {}) {
  return createSender({
    store,
    client: createSlackClient({ token: TOKEN, apiUrl: `${API}/api/`, timeoutMs: 0 }),
    catalog: fakeCatalog(),
    logger: captureLogger().logger,
    defaultChannel: '#alerts',
    clock,
    minIntervalMs: 0,
    backoff: { random: () => 0 },
    ...extra,
  });
}

/** Which part each posted message is ("part 3 of 4"; the alert's own message is part 1). */
const partOf = (body: Body) => Number(/\(part (\d+) of \d+\)/.exec(body.text)?.[1] ?? 1);

/** Every log id of the alert in exactly one message Slack accepted; one channel message, every other part a reply under it. */
function expectDeliveredOnce(alert: Alert, messages: readonly Body[]): void {
  const listed = messages.flatMap((message) => message.metadata.event_payload.log_ids);
  expect(messages.every((message) => message.metadata.event_payload.log_ids.length <= 100)).toBe(true);
  expect([...listed].sort()).toEqual([...alert.logIds].sort());
  expect(messages.reduce((sum, message) => sum + message.metadata.event_payload.count, 0)).toBe(alert.count);
  const parents = messages.filter((message) => message.thread_ts === undefined);
  expect(parents).toHaveLength(1);
  expect(messages.filter((message) => message !== parents[0]).map((message) => message.thread_ts)).toEqual(Array(messages.length - 1).fill(parents[0]!.ts));
  expect(messages.map((message) => message.metadata.event_payload)).toEqual(messages.map(() => expect.objectContaining({ kind: 'alert', incident: alert.incident })));
}

function describeBackend(name: string, open: () => Promise<Backend>): void {
  describe(`an alert of more than 100 log ids, its messages cut off part way (${name})`, () => {
    let backend: Backend;
    beforeEach(async () => {
      backend = await open();
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it.each([0, 1, 2])('a crash after its message and %i of its 3 replies: the restarted sender posts only the parts still owed, in its thread', async (k) => {
      const alert = bigAlert(350);
      await backend.store.enqueueAlerts('acme', [alert], '#alerts');
      answers = [...Array(1 + k).fill('ok'), 'hang'];
      const clock = new ManualClock();
      // The first process dies while part k + 2 is on its way to Slack (never awaited: it never ends).
      void sender(backend.store, clock, { owner: CRASHED_OWNER }).drainOnce({ deadlineMs: 600_000 });
      await hang;
      expect(posted.map(partOf)).toEqual(Array.from({ length: 1 + k }, (_, i) => i + 1));

      const restarted = await backend.reopen();
      // Until every part is posted the alert is not delivered: status and the outbox_pending metric count it.
      expect((await restarted.outboxSummary()).map(({ channel, pending, sent }) => ({ channel, pending, sent }))).toEqual([{ channel: '#alerts', pending: 1, sent: 0 }]);
      expect(await restarted.pendingChannels()).toEqual([{ channel: '#alerts', pending: 1 }]);

      const report = await sender(restarted, clock, { owner: 'restarted' }).drainOnce({ deadlineMs: 600_000 });
      expect(report).toMatchObject({ posted: 0, replies: 3 - k, failed: 0, pending: 0 });
      // The parts after the restart: exactly those never posted, in order, under the message posted before the crash.
      expect(posted.slice(1 + k).map(partOf)).toEqual(Array.from({ length: 3 - k }, (_, i) => i + k + 2));
      expect(posted.slice(1 + k).every((body) => body.thread_ts === posted[0]!.ts)).toBe(true);
      expectDeliveredOnce(alert, posted);
      expect((await restarted.outboxSummary()).map(({ pending, sent }) => ({ pending, sent }))).toEqual([{ pending: 0, sent: 1 }]);
      // The incident counts the alert's events once, under the message posted before the crash.
      expect(await restarted.getIncident(alert.incident)).toMatchObject({ messageTs: posted[0]!.ts, count: 350 });
    });

    it('resumed in a flood of its rule: its remaining parts stay replies in its thread, never folded into the digest', async () => {
      const alert = bigAlert(350);
      await backend.store.enqueueAlerts('acme', [alert], '#alerts');
      answers = ['ok', 'hang'];
      const clock = new ManualClock();
      void sender(backend.store, clock, { owner: CRASHED_OWNER }).drainOnce({ deadlineMs: 600_000 });
      await hang;
      // Meanwhile the attack goes on from 25 more IPs: more channel messages than digestAbove (20), one rule.
      const flood = Array.from({ length: 25 }, (_, i) => makeAlert({ ruleId: alert.ruleId, incident: `${alert.ruleId}:198.51.100.${i}`, group: { ip: `198.51.100.${i}` } }));
      const restarted = await backend.reopen();
      await restarted.enqueueAlerts('acme', flood, '#alerts');

      const report = await sender(restarted, clock, { owner: 'restarted' }).drainOnce({ deadlineMs: 600_000 });
      expect(report).toMatchObject({ digests: 1, pending: 0, failed: 0 });
      const ofAlert = posted.filter((body) => body.metadata.event_payload.incident === alert.incident);
      expect(ofAlert.map(partOf)).toEqual([1, 2, 3, 4]);
      expectDeliveredOnce(alert, ofAlert);
      const listed = posted.flatMap((body) => body.metadata.event_payload.log_ids);
      expect(listed.sort()).toEqual([...alert.logIds, ...flood.flatMap((each) => each.logIds)].sort());
    });

    it('Slack failing on a reply (retries used up): the next drain posts the remaining parts only, in the same thread', async () => {
      const alert = bigAlert(350);
      await backend.store.enqueueAlerts('acme', [alert], '#alerts');
      answers = ['ok', 'ok', { status: 500 }, { status: 500 }];
      const clock = new ManualClock();
      const bot = sender(backend.store, clock, { maxAttempts: 2 });
      const first = await bot.drainOnce({ deadlineMs: 600_000 });
      expect(calls).toBe(4); // the setup ran: part 3 failed twice
      expect(first).toMatchObject({ posted: 1, replies: 1, pending: 1 });
      expect((await backend.store.outboxSummary()).map(({ pending, sent }) => ({ pending, sent }))).toEqual([{ pending: 1, sent: 0 }]);

      clock.time += 10 * 60_000; // past the channel's pause
      const second = await bot.drainOnce({ deadlineMs: 600_000 });
      expect(second).toMatchObject({ posted: 0, replies: 2, pending: 0, failed: 0 });
      expect(posted.map(partOf)).toEqual([1, 2, 3, 4]);
      expectDeliveredOnce(alert, posted);
      expect((await backend.store.outboxSummary()).map(({ pending, sent }) => ({ pending, sent }))).toEqual([{ pending: 0, sent: 1 }]);
    });

    it('Slack refusing a reply for good: no later part goes before it; once requeued, the parts from it on follow in the same thread', async () => {
      const alert = bigAlert(350);
      const other = makeAlert({ incident: 'other' });
      await backend.store.enqueueAlerts('acme', [alert, other], '#alerts');
      answers = ['ok', { error: 'invalid_blocks' }];
      const clock = new ManualClock();
      const bot = sender(backend.store, clock);
      const first = await bot.drainOnce({ deadlineMs: 600_000 });
      // The channel goes on with other alerts, but not with part 3 or 4 of this one.
      expect(calls).toBe(3);
      expect(posted.map((body) => body.metadata.event_payload.incident)).toEqual([alert.incident, 'other']);
      expect(first).toMatchObject({ posted: 2, replies: 0, failed: 1 });
      expect((await backend.store.outboxSummary()).map(({ failed, sent }) => ({ failed, sent }))).toEqual([{ failed: 1, sent: 1 }]);

      clock.time += 16 * 60_000; // past the cooldown after which failed rows are retried
      const second = await bot.drainOnce({ deadlineMs: 600_000 });
      expect(second).toMatchObject({ posted: 0, replies: 3, pending: 0, failed: 0 });
      const ofAlert = posted.filter((body) => body.metadata.event_payload.incident === alert.incident);
      expect(ofAlert.map(partOf)).toEqual([1, 2, 3, 4]);
      expectDeliveredOnce(alert, ofAlert);
    });
  });
}

describe('an alert of more than 100 log ids whose own message could not be recorded (SQLite)', () => {
  it('the message is recorded once the disk works again, and only then do its replies follow, none posted twice', async () => {
    const temp = tempStateDb();
    try {
      const alert = bigAlert(350);
      await temp.store.enqueueAlerts('acme', [alert], '#alerts');
      // The disk refuses every write of the outbox after Slack accepted the alert's message.
      temp.db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;`);
      const clock = new ManualClock();
      const bot = sender(temp.store, clock);
      expect(await bot.drainOnce({ deadlineMs: 600_000 })).toMatchObject({ posted: 0, unrecorded: 1 });
      expect(posted.map(partOf)).toEqual([1]); // the fault fired after the ok: the channel waits, nothing else posted

      temp.db.exec('DROP TRIGGER refuse');
      clock.time += 60_000;
      expect(await bot.drainOnce({ deadlineMs: 600_000 })).toMatchObject({ posted: 0, replies: 3, pending: 0, unrecorded: 0 });
      expect(posted.map(partOf)).toEqual([1, 2, 3, 4]);
      expectDeliveredOnce(alert, posted);
      expect((await temp.store.outboxSummary()).map(({ pending, sent }) => ({ pending, sent }))).toEqual([{ pending: 0, sent: 1 }]);
    } finally {
      temp.cleanup();
    }
  });
});

describeBackend('SQLite', async () => {
  const temp = tempStateDb();
  return { store: temp.store, reopen: async () => temp.reopen(), cleanup: async () => temp.cleanup() };
});

await describePg('PostgreSQL', () => {
  describeBackend('PostgreSQL', tempPgStore);
});
