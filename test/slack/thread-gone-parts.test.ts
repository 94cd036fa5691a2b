import { hostname } from 'node:os';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { escapeMrkdwn } from '../../src/slack/escape.js';
import type { AlertMetadata } from '../../src/slack/format.js';
import { createSlackClient } from '../../src/slack/poster.js';
import { createSender } from '../../src/slack/sender.js';
import type { StateStore } from '../../src/state/store.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { ManualClock, captureLogger } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

// CONTRACT.md: each log id is reported by exactly one posted auth0_log_alert message. An
// alert of more than 100 log ids, or a digest of more than 100, reports the rest in replies
// in its thread. When its message is deleted in Slack before a later part goes out, Slack
// answers that part with thread_not_found: the part is posted as a new message in its own
// channel instead (its text saying what it is), the parts after it follow in that message's
// thread, and the row is delivered — never failed until dead with its log ids in no message.
// Real SQLite file, a real WebClient, nock at the HTTP edge.
const API = 'https://slack.test';
const TOKEN = 'xoxb-not-a-real-token-123';
const CRASHED_OWNER = `${hostname()}:4194305:crashed`;

interface Body {
  channel: string;
  text: string;
  blocks: unknown[];
  metadata: AlertMetadata;
  thread_ts?: string;
  ts: string;
}

/** Messages deleted in Slack: a reply in their thread is answered thread_not_found. */
let deleted: Set<string>;
/** The messages Slack said ok to, in order. */
let posted: Body[];
/** Every chat.postMessage call: its thread and what Slack answered. */
let calls: { thread_ts?: string; answer: string }[];
/** The call (0-based) during which the process dies: never answered. */
let hangAt: number;
let hung: () => void;
let hang: Promise<void>;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  deleted = new Set();
  posted = [];
  calls = [];
  hangAt = Number.POSITIVE_INFINITY;
  hang = new Promise((resolve) => (hung = resolve));
  nock(API)
    .persist()
    .post('/api/chat.postMessage')
    .reply(function (_uri, raw, callback) {
      const params = typeof raw === 'string' ? Object.fromEntries(new URLSearchParams(raw)) : (raw as Record<string, string>);
      const body = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, /^([[{]|true$|false$)/.test(String(value)) ? JSON.parse(String(value)) : value])) as Omit<Body, 'ts'>;
      if (calls.length === hangAt) {
        calls.push({ thread_ts: body.thread_ts, answer: 'hang' });
        hung();
        return;
      }
      if (body.thread_ts && deleted.has(body.thread_ts)) {
        calls.push({ thread_ts: body.thread_ts, answer: 'thread_not_found' });
        callback(null, [200, { ok: false, error: 'thread_not_found' }]);
        return;
      }
      const ts = `1700000000.${String(posted.length + 1).padStart(6, '0')}`;
      calls.push({ thread_ts: body.thread_ts, answer: 'ok' });
      posted.push({ ...body, ts });
      callback(null, [200, { ok: true, channel: 'CALERTS', ts }]);
    });
});
afterEach(() => nock.cleanAll());

let state: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  state = tempStateDb();
});
afterEach(() => state.cleanup());

function sender(store: StateStore, clock: ManualClock, owner?: string) {
  const log = captureLogger();
  const bot = createSender({
    store,
    client: createSlackClient({ token: TOKEN, apiUrl: `${API}/api/`, timeoutMs: 0 }),
    catalog: fakeCatalog(),
    logger: log.logger,
    defaultChannel: '#alerts',
    clock,
    minIntervalMs: 0,
    backoff: { random: () => 0 },
    ...(owner ? { owner } : {}),
  });
  return { bot, warnings: () => log.lines().filter((line) => line.level === 40).map((line) => line.msg), errors: () => log.lines().filter((line) => line.level >= 50).map((line) => line.msg) };
}

/** Once Slack took the first message of the alert / digest, someone deletes it. */
function deleteFirstMessageOnceAccepted(): void {
  const original = posted.push.bind(posted);
  posted.push = (...bodies: Body[]) => {
    const n = original(...bodies);
    if (posted.length === 1) deleted.add(posted[0]!.ts);
    return n;
  };
}

/** An alert of `n` log ids (a threshold window of `n` events); its title holds mrkdwn. */
function bigAlert(n: number): Alert {
  return makeAlert({
    ruleId: 'brute-force-by-ip',
    title: 'Brute force *from* <!here> 203.0.113.7',
    incident: 'brute-force-by-ip:203.0.113.7',
    group: { ip: '203.0.113.7' },
    count: n,
    incidentCount: n,
    logIds: Array.from({ length: n }, (_, i) => `904000${String(i).padStart(4, '0')}`),
  });
}

/** Every log id of these alerts in exactly one accepted message, at most 100 each, the counts adding up. */
function expectEachIdOnce(alerts: readonly Alert[], messages: readonly Body[]): void {
  expect(messages.every((message) => message.metadata.event_payload.log_ids.length <= 100)).toBe(true);
  expect(messages.flatMap((message) => message.metadata.event_payload.log_ids).sort()).toEqual(alerts.flatMap((alert) => alert.logIds).sort());
  expect(messages.reduce((sum, message) => sum + message.metadata.event_payload.count, 0)).toBe(alerts.reduce((sum, alert) => sum + alert.count, 0));
}

async function statusCounts(store: StateStore) {
  return (await store.outboxSummary()).map(({ pending, failed, sent, dead }) => ({ pending, failed, sent, dead }));
}

describe('an alert of more than 100 log ids whose message was deleted in Slack before its replies', () => {
  it('posts the part as a new message in its channel, the next part in its thread: every log id once, the row delivered', async () => {
    const alert = bigAlert(250);
    await state.store.enqueueAlerts('acme', [alert], '#alerts');
    deleteFirstMessageOnceAccepted();
    const { bot, warnings, errors } = sender(state.store, new ManualClock());
    const report = await bot.drainOnce({ deadlineMs: 600_000 });

    // Part 2 was refused in the deleted thread, then posted standalone; part 3 followed under it.
    expect(calls.map((call) => call.answer)).toEqual(['ok', 'thread_not_found', 'ok', 'ok']);
    const [own, second, third] = posted;
    expect(second!.thread_ts).toBeUndefined();
    expect(third!.thread_ts).toBe(second!.ts);
    expectEachIdOnce([alert], posted);
    expect(posted.map((body) => body.metadata.event_payload)).toEqual(posted.map(() => expect.objectContaining({ kind: 'alert', incident: alert.incident, rule_id: alert.ruleId })));
    expect(second!.metadata.event_payload.log_ids).toEqual(alert.logIds.slice(100, 200));
    // Its text makes sense without the deleted message: which alert, which log ids, why here — escaped.
    const shown = `${second!.text}\n${JSON.stringify(second!.blocks)}`;
    expect(shown).toContain('log ids 101–200');
    expect(shown).toContain('deleted in Slack');
    expect(shown).toContain(escapeMrkdwn(alert.title));
    expect(shown).not.toContain('<!here>');
    expect(own!.thread_ts).toBeUndefined();

    expect(report).toMatchObject({ posted: 2, replies: 1, failed: 0, pending: 0 });
    expect(await statusCounts(state.store)).toEqual([{ pending: 0, failed: 0, sent: 1, dead: 0 }]);
    // Said once, naming the incident; no error (nothing failed).
    expect(warnings().filter((msg) => msg.includes(alert.incident))).toHaveLength(1);
    expect(warnings().find((msg) => msg.includes(alert.incident))).toContain('deleted in Slack');
    expect(errors()).toEqual([]);
  });

  it('a restart after the standalone part: the parts still owed are posted once, none of the earlier ones again', async () => {
    const alert = bigAlert(350);
    await state.store.enqueueAlerts('acme', [alert], '#alerts');
    deleteFirstMessageOnceAccepted();
    hangAt = 3; // part 1 ok, part 2 refused in the thread, part 2 standalone ok; the process dies sending part 3
    const clock = new ManualClock();
    void sender(state.store, clock, CRASHED_OWNER).bot.drainOnce({ deadlineMs: 600_000 });
    await hang;
    expect(posted).toHaveLength(2);

    const restarted = state.reopen();
    expect(await statusCounts(restarted)).toEqual([{ pending: 1, failed: 0, sent: 0, dead: 0 }]);
    const report = await sender(restarted, clock, 'restarted').bot.drainOnce({ deadlineMs: 600_000 });
    // The restarted process knows only the deleted thread: part 3 is refused there, posted standalone, part 4 under it.
    expect(calls.slice(4).map((call) => call.answer)).toEqual(['thread_not_found', 'ok', 'ok']);
    expect(posted.map((body) => body.thread_ts ?? 'standalone')).toEqual(['standalone', 'standalone', 'standalone', posted[2]!.ts]);
    expectEachIdOnce([alert], posted);
    expect(report).toMatchObject({ posted: 1, replies: 1, failed: 0, pending: 0 });
    expect(await statusCounts(restarted)).toEqual([{ pending: 0, failed: 0, sent: 1, dead: 0 }]);
    expect(await restarted.getIncident(alert.incident)).toMatchObject({ count: 350 });
  });
});

describe('a digest of more than 100 log ids whose message was deleted in Slack before its later parts', () => {
  it('posts the part as a new message in its channel, the next part in its thread: every log id once, every row delivered', async () => {
    // 30 alerts of one rule, 10 log ids each: a digest (100 ids) and 2 parts in its thread.
    const flood = Array.from({ length: 30 }, (_, i) =>
      makeAlert({
        ruleId: 'brute-force-by-ip',
        title: 'Brute force _from_ an IP',
        incident: `brute-force-by-ip:${i}`,
        group: { ip: `198.51.100.${i}` },
        count: 10,
        incidentCount: 10,
        logIds: Array.from({ length: 10 }, (_, j) => `905${String(i).padStart(3, '0')}${String(j).padStart(3, '0')}`),
      }),
    );
    await state.store.enqueueAlerts('acme', flood, '#alerts');
    deleteFirstMessageOnceAccepted();
    const { bot, warnings, errors } = sender(state.store, new ManualClock());
    const report = await bot.drainOnce({ deadlineMs: 600_000 });

    expect(calls.map((call) => call.answer)).toEqual(['ok', 'thread_not_found', 'ok', 'ok']);
    const [digest, second, third] = posted;
    expect(second!.thread_ts).toBeUndefined();
    expect(third!.thread_ts).toBe(second!.ts);
    expectEachIdOnce(flood, posted);
    const digestId = digest!.metadata.event_payload.incident;
    expect(posted.map((body) => body.metadata.event_payload)).toEqual(posted.map(() => expect.objectContaining({ kind: 'digest', incident: digestId })));
    const shown = `${second!.text}\n${JSON.stringify(second!.blocks)}`;
    expect(shown).toContain('deleted in Slack');
    expect(shown).toContain(`*${escapeMrkdwn(flood[0]!.title)}*`);

    expect(report).toMatchObject({ digests: 1, posted: 1, replies: 1, failed: 0, pending: 0 });
    expect(await statusCounts(state.store)).toEqual([{ pending: 0, failed: 0, sent: 30, dead: 0 }]);
    // A later repeat of an incident the standalone part reported threads under that part, not under the deleted digest.
    const reportedBySecond = flood.find((alert) => second!.metadata.event_payload.log_ids.includes(alert.logIds[0]!))!;
    expect(await state.store.getIncident(reportedBySecond.incident)).toMatchObject({ messageTs: second!.ts });
    expect(warnings().filter((msg) => msg.includes(digestId))).toHaveLength(1);
    expect(errors()).toEqual([]);
  });
});
