import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { BUNDLED_RULES_DIR, compileRules, evaluate, initialState, loadRules, type Alert, type RuleSet } from '../../src/engine/index.js';
import { createSlackClient } from '../../src/slack/poster.js';
import { createSender } from '../../src/slack/sender.js';
import { formatPreviews } from '../../src/slack/format-repeat.js';
import type { AlertMetadata, SlackMessage } from '../../src/slack/format.js';
import { MINUTE, SECOND, eventFactory, makeRule } from '../helpers/engine-fixtures.js';
import { blockKitViolations } from '../helpers/slack-fixtures.js';
import { captureLogger } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

// CONTRACT.md: a message lists at most 100 log ids, and each log id is reported by exactly
// one posted message — an alert standing for more events than that included (a threshold
// rule with count 150, a sequence after 200 failures). Engine → outbox → sender → real
// WebClient against nock at the HTTP edge.
const API = 'https://slack.test';
const TOKEN = 'xoxb-not-a-real-token-123';
const catalog = loadCatalog();

interface Call {
  method: string;
  body: { channel: string; text: string; blocks: unknown[]; metadata: AlertMetadata; thread_ts?: string; ts?: string };
}

let state: ReturnType<typeof tempStateDb>;
let calls: Call[];

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  state = tempStateDb();
  calls = [];
  let sequence = 0;
  for (const method of ['chat.postMessage', 'chat.update']) {
    nock(API)
      .persist()
      .post(`/api/${method}`)
      .reply((_uri, raw) => {
        const params = typeof raw === 'string' ? Object.fromEntries(new URLSearchParams(raw)) : (raw as Record<string, string>);
        // Form-encoded fields: JSON inside, booleans as words.
        const body = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, /^([[{]|true$|false$)/.test(String(value)) ? JSON.parse(String(value)) : value]));
        calls.push({ method, body: body as Call['body'] });
        sequence += 1;
        return [200, { ok: true, channel: 'CALERTS', ts: method === 'chat.update' ? body.ts : `1700000000.${String(sequence).padStart(6, '0')}` }];
      });
  }
});
afterEach(() => {
  nock.cleanAll();
  state.cleanup();
});

const posts = () => calls.filter((call) => call.method === 'chat.postMessage').map((call) => call.body);

function sender() {
  return createSender({
    store: state.store,
    client: createSlackClient({ token: TOKEN, apiUrl: `${API}/api/`, timeoutMs: 0 }),
    catalog,
    logger: captureLogger().logger,
    defaultChannel: '#alerts',
    minIntervalMs: 0,
    backoff: { random: () => 0 },
  });
}

/** Like the poller: pages of 100 events, each evaluated and queued. */
async function poll(rules: RuleSet, events: ReturnType<ReturnType<typeof eventFactory>>[]): Promise<Alert[]> {
  let engine = initialState();
  const alerts: Alert[] = [];
  for (let start = 0; start < events.length; start += 100) {
    const result = evaluate(rules, engine, events.slice(start, start + 100));
    engine = result.state;
    alerts.push(...result.alerts);
    await state.store.enqueueAlerts('acme', result.alerts, '#alerts');
  }
  return alerts;
}

/** Every log id of the queued alerts in exactly one posted message; the counts add up to their events. */
function expectEachLogIdOnce(queued: readonly Alert[], messages: readonly Call['body'][]): void {
  const listed = messages.flatMap((message) => message.metadata.event_payload.log_ids);
  expect(messages.every((message) => message.metadata.event_payload.log_ids.length <= 100)).toBe(true);
  expect(listed.length).toBe(new Set(listed).size);
  expect(listed.sort()).toEqual(queued.flatMap((alert) => alert.logIds).sort());
  const counted = messages.reduce((sum, message) => sum + message.metadata.event_payload.count, 0);
  expect(counted).toBe(queued.reduce((sum, alert) => sum + alert.count, 0));
}

const threshold150 = () =>
  compileRules([makeRule({ id: 'failed-150', title: '{{count}} failed logins from {{ip}}', match: { codes: ['fp'] }, threshold: { count: 150, window: '1h', group_by: ['ip'] } })], catalog);

const distinct10 = () =>
  compileRules(
    [makeRule({ id: 'stuffing', title: 'Credential stuffing from {{ip}}', match: { codes: ['fp'] }, threshold: { count: 10, window: '10m', group_by: ['ip'], distinct: 'user_name' } })],
    catalog,
  );

describe('an alert standing for more than 100 events', () => {
  it('a threshold rule with count 150: the alert lists 100 log ids, a reply in its thread the other 50', async () => {
    const at = eventFactory();
    const events = Array.from({ length: 150 }, (_, i) => at(i * SECOND));
    const queued = await poll(threshold150(), events);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.logIds).toHaveLength(150);
    const report = await sender().drainOnce({ deadlineMs: 60_000 });
    expect(report).toMatchObject({ posted: 1, replies: 1, failed: 0, pending: 0 });

    const [alert, reply] = posts();
    expect(alert!.thread_ts).toBeUndefined();
    expect(reply!.thread_ts).toBe('1700000000.000001');
    expect(alert!.metadata.event_payload).toMatchObject({ kind: 'alert', incident: queued[0]!.incident, count: 100 });
    expect(reply!.metadata.event_payload).toMatchObject({ kind: 'alert', incident: queued[0]!.incident, count: 50 });
    expectEachLogIdOnce(queued, posts());
    // The alert still tells the whole story, and says where the other log ids are.
    expect(alert!.text).toContain('150 failed logins');
    expect(JSON.stringify(alert!.blocks)).toContain('*150 events*');
    expect(JSON.stringify(alert!.blocks)).toContain('The log ids of 50 of these events are listed in 1 reply in this thread.');
    expect(posts().flatMap((post) => blockKitViolations(post as SlackMessage))).toEqual([]);
    expect(state.db.prepare(`SELECT status, message_ts FROM outbox`).all()).toEqual([{ status: 'sent', message_ts: '1700000000.000001' }]);
    expect(calls.filter((call) => call.method === 'chat.update')).toHaveLength(0);
  });

  it("a later repeat adds to the parent's running count once: 150 + 5, not the reply's 50 again", async () => {
    const at = eventFactory();
    const events = Array.from({ length: 155 }, (_, i) => at(i * SECOND));
    const queued = await poll(threshold150(), events);
    expect(queued.map((alert) => [alert.kind, alert.count])).toEqual([
      ['alert', 150],
      ['repeat', 5],
    ]);
    await sender().drainOnce({ deadlineMs: 60_000 });
    expectEachLogIdOnce(queued, posts());
    const replies = posts().filter((post) => post.thread_ts === '1700000000.000001');
    expect(replies.map((post) => post.metadata.event_payload.kind)).toEqual(['alert', 'repeat']);
    expect(JSON.stringify(replies[1]!.blocks)).toContain('+5 more, 155 in all');
    const updates = calls.filter((call) => call.method === 'chat.update').map((call) => call.body);
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(updates[0]!.blocks)).toContain('150 → now 155');
    // The edited parent keeps the log ids and count of the message it edits.
    expect(updates[0]!.metadata.event_payload).toEqual(posts()[0]!.metadata.event_payload);
  });

  it('password-guessed after 200 failures: the sequence alert and its replies report every log id once', async () => {
    const rules = compileRules(loadRules(BUNDLED_RULES_DIR, catalog).rules.filter((rule) => rule.id === 'password-guessed'), catalog);
    const at = eventFactory();
    const events = [...Array.from({ length: 200 }, (_, i) => at(i * 2 * SECOND, { ip: `203.0.113.${i % 50}` })), at(7 * MINUTE, { type: 's', ip: '198.51.100.9' })];
    const queued = await poll(rules, events);
    expect(queued).toHaveLength(1);
    // The key keeps its last 200 events (MAX_SEQUENCE_ENTRIES): far more than one message lists.
    expect(queued[0]!.count).toBeGreaterThanOrEqual(200);
    expect(queued[0]!.logIds).toHaveLength(queued[0]!.count);
    const replyCount = Math.ceil(queued[0]!.count / 100) - 1;
    const report = await sender().drainOnce({ deadlineMs: 60_000 });
    expect(report).toMatchObject({ posted: 1, replies: replyCount, failed: 0, pending: 0 });
    const [alert, ...replies] = posts();
    expect(replies.every((reply) => reply.thread_ts === '1700000000.000001' && reply.metadata.event_payload.incident === queued[0]!.incident)).toBe(true);
    expectEachLogIdOnce(queued, posts());
    expect(JSON.stringify(alert!.blocks)).toContain(`listed in ${replyCount} repl${replyCount === 1 ? 'y' : 'ies'} in this thread`);
  });

  it('credential stuffing after a flood of retries (a folded distinct window): every event\'s log id in exactly one message', async () => {
    const at = eventFactory();
    // 6 users, 1,500 retries of 3 others (more than the window's 1,000 entries: the oldest fold), the tenth user, 150 more retries.
    const events = [
      ...Array.from({ length: 6 }, (_, i) => at(i * SECOND, { user_name: `early${i}` })),
      ...Array.from({ length: 1_500 }, (_, i) => at(10 * SECOND + i * 100, { user_name: `again${i % 3}` })),
      at(3 * MINUTE, { user_name: 'tenth' }),
      ...Array.from({ length: 150 }, (_, i) => at(3 * MINUTE + (i + 1) * 100, { user_name: `again${i % 3}` })),
    ];
    const queued = await poll(distinct10(), events);
    expect(queued.map((alert) => [alert.kind, alert.count])).toEqual([
      ['alert', 1_507],
      ['repeat', 93], // the rest of the alert's page of 100
      ['repeat', 57],
    ]);
    await sender().drainOnce({ deadlineMs: 60_000 });
    expectEachLogIdOnce(queued, posts());
    // Every matching event, the folded retries included, is listed by one message.
    const listed = posts().flatMap((post) => post.metadata.event_payload.log_ids);
    expect(listed.sort()).toEqual(events.map((event) => event.log_id).sort());
    expect(JSON.stringify(posts()[0]!.blocks)).not.toContain('without their log ids');
  });

  it('past 2,000 events before the alert, it lists 2,000 log ids and says how many events it counts without theirs', async () => {
    const at = eventFactory();
    const events = [
      ...Array.from({ length: 6 }, (_, i) => at(i * SECOND, { user_name: `early${i}` })),
      ...Array.from({ length: 5_000 }, (_, i) => at(10 * SECOND + i * 30, { user_name: `again${i % 3}` })),
      at(3 * MINUTE, { user_name: 'tenth' }),
    ];
    const queued = await poll(distinct10(), events);
    expect(queued.map((alert) => [alert.kind, alert.count, alert.logIds.length])).toEqual([['alert', 5_007, 2_000]]);
    const report = await sender().drainOnce({ deadlineMs: 60_000 });
    expect(report).toMatchObject({ posted: 1, replies: 19, failed: 0, pending: 0 });
    // Each listed log id once; the counts still add up to the 5,007 events (the alert's own message counts the unlisted ones).
    expectEachLogIdOnce(queued, posts());
    const [alert] = posts();
    expect(alert!.metadata.event_payload.count).toBe(100 + 3_007);
    const text = JSON.stringify(alert!.blocks);
    expect(text).toContain('*10 distinct user_name* values in *5,007 events*');
    expect(text).toContain('The log ids of 1,900 of these events are listed in 19 replies in this thread.');
    expect(text).toContain('3,007 of these events are counted without their log ids: an alert keeps at most 2,000 of a flood');
  });

  it('replay --json and run --dry-run --json print the same bodies the sender posts, replies included', async () => {
    const at = eventFactory();
    const queued = await poll(threshold150(), Array.from({ length: 200 }, (_, i) => at(i * SECOND)));
    await sender().drainOnce({ deadlineMs: 60_000 });
    const previews = queued.flatMap((alert) => formatPreviews(alert, { catalog, defaultChannel: '#alerts', tenant: 'acme' }));
    // Posted bodies carry the real thread ts; previews none (CONTRACT.md: the incident ties them).
    const posted = posts().map(({ thread_ts: _, ...body }) => body);
    expect(previews.map(({ thread_ts: _, ...body }) => ({ ...body, channel: '#alerts' }))).toEqual(posted.map((body) => ({ ...body, channel: '#alerts' })));
    expect(previews).toHaveLength(3); // the alert of 150, the reply with its last 50 log ids, a repeat of 50
  });
});
