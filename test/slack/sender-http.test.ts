import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertMetadata } from '../../src/slack/format.js';
import { createSlackClient } from '../../src/slack/poster.js';
import { createSender } from '../../src/slack/sender.js';
import { systemClock } from '../../src/slack/clock.js';
import type { StateStore } from '../../src/state/store.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { captureLogger } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

// The real WebClient against nock at the HTTP edge (SLACK_API_URL pointing at a fake host).
const API = 'https://slack.test';
const TOKEN = 'xoxb-not-a-real-token-123';

interface Call {
  method: string;
  body: Record<string, unknown> & { channel: string; metadata?: AlertMetadata; thread_ts?: string; ts?: string };
}

let state: ReturnType<typeof tempStateDb>;
let log: ReturnType<typeof captureLogger>;
let calls: Call[];
let sequence: number;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  state = tempStateDb();
  log = captureLogger();
  calls = [];
  sequence = 0;
});
afterEach(() => {
  nock.cleanAll();
  state.cleanup();
  vi.useRealTimers();
});

/** WebClient posts form-encoded fields with JSON inside; decode them back. */
function decode(raw: unknown): Call['body'] {
  const params = typeof raw === 'string' ? Object.fromEntries(new URLSearchParams(raw)) : (raw as Record<string, string>);
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    body[key] = /^[[{]/.test(String(value)) ? JSON.parse(String(value)) : value;
  }
  return body as Call['body'];
}

type Responder = (body: Call['body'], method: string) => [number, Record<string, unknown>, Record<string, string>?];
const okReply: Responder = (body, method) => {
  sequence += 1;
  const ts = method === 'chat.update' ? body.ts! : `1700000000.${String(sequence).padStart(6, '0')}`;
  return [200, { ok: true, channel: `C${body.channel.replace(/\W/g, '').toUpperCase()}`, ts }];
};

function slackApi(respond: Responder = okReply): void {
  for (const method of ['chat.postMessage', 'chat.update']) {
    nock(API)
      .persist()
      .post(`/api/${method}`)
      .reply(function (_uri, raw) {
        expect(this.req.headers.authorization).toBe(`Bearer ${TOKEN}`);
        const body = decode(raw);
        calls.push({ method, body });
        const [status, json, headers] = respond(body, method);
        return [status, json, headers ?? {}];
      });
  }
}

function sender(store: StateStore = state.store) {
  return createSender({
    store,
    // timeout 0: no request-timeout timer competing with the sender's waits under fake timers
    client: createSlackClient({ token: TOKEN, apiUrl: `${API}/api/`, timeoutMs: 0 }),
    catalog: fakeCatalog(),
    logger: log.logger,
    defaultChannel: '#alerts',
    clock: systemClock,
    backoff: { random: () => 0 },
  });
}

/** Lets real I/O (nock, sockets) progress: fake timers only cover setTimeout/Date. */
async function until(condition: () => boolean, turns = 2000): Promise<void> {
  for (let turn = 0; turn < turns && !condition(); turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    // Zero-delay timers belong to the HTTP machinery, not to the sender's waits.
    if (vi.isFakeTimers()) vi.advanceTimersByTime(0);
  }
  if (!condition()) throw new Error('condition never held');
}

/** Runs a drain to completion under fake timers: real I/O between jumps to the next timer. */
async function drive<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const result = promise.finally(() => {
    done = true;
  });
  for (let step = 0; step < 500 && !done; step++) {
    await until(() => done || vi.getTimerCount() > 0);
    if (!done) await vi.advanceTimersToNextTimerAsync();
  }
  return result;
}

const posts = () => calls.filter((call) => call.method === 'chat.postMessage');

describe('sender over HTTP (WebClient + nock)', () => {
  it('waits Retry-After on a 429 and retries the same message once, with no duplicate', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let first = true;
    slackApi((body, method) => {
      if (first) {
        first = false;
        return [429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '3' }];
      }
      return okReply(body, method);
    });
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    const drained = sender().drainOnce({ deadlineMs: 60_000 });
    await until(() => posts().length === 1 && vi.getTimerCount() > 0);
    await vi.advanceTimersByTimeAsync(2900);
    await until(() => false, 50).catch(() => undefined);
    expect(posts()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => posts().length === 2);
    const report = await drive(drained);
    expect(report).toMatchObject({ posted: 1, pending: 0 });
    expect(posts()).toHaveLength(2);
    expect(posts()[1]!.body).toEqual(posts()[0]!.body);
    expect(state.db.prepare(`SELECT status, message_ts FROM outbox`).all()).toEqual([{ status: 'sent', message_ts: '1700000000.000001' }]);
  });

  it('an HTTP 200 ok without a ts is delivered, recorded without a ts, and never posted again', async () => {
    slackApi((body, method) => (method === 'chat.postMessage' ? [200, { ok: true, channel: 'C0ALERTS' }] : okReply(body, method)));
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    const s = sender();
    expect(await s.drainOnce({ deadlineMs: 60_000 })).toMatchObject({ posted: 1, failed: 0, pending: 0 });
    expect(await s.drainOnce({ deadlineMs: 60_000 })).toMatchObject({ posted: 0 });
    expect(posts()).toHaveLength(1);
    expect(state.db.prepare(`SELECT status, message_ts FROM outbox`).all()).toEqual([{ status: 'sent', message_ts: null }]);
  });

  it('marks channel_not_found rows failed while another channel keeps flowing; nothing leaks the token', async () => {
    slackApi((body, method) => (body.channel === '#gone' ? [200, { ok: false, error: 'channel_not_found' }] : okReply(body, method)));
    await state.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#gone');
    await state.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#alerts');
    const report = await sender().drainOnce({ deadlineMs: 60_000 });
    expect(report).toMatchObject({ posted: 2, failed: 2, pending: 0 });
    expect((await state.store.outboxSummary()).map(({ channel, pending, failed, sent }) => ({ channel, pending, failed, sent }))).toEqual([
      { channel: '#alerts', pending: 0, failed: 0, sent: 2 },
      { channel: '#gone', pending: 0, failed: 2, sent: 0 },
    ]);
    const logged = JSON.stringify(log.lines());
    expect(logged).toContain('check ALERT_CHANNEL');
    expect(logged).not.toContain(TOKEN);
    const errors = state.db.prepare(`SELECT last_error FROM outbox WHERE status = 'failed'`).all();
    expect(JSON.stringify(errors)).not.toContain(TOKEN);
  });

  it('retries 5xx with backoff and posts once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let failures = 2;
    slackApi((body, method) => (failures-- > 0 ? [503, { ok: false }] : okReply(body, method)));
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    expect(await drive(sender().drainOnce({ deadlineMs: 60_000 }))).toMatchObject({ posted: 1 });
    expect(posts()).toHaveLength(3);
  });

  it('resumes the outbox after a restart without loss or duplicates', async () => {
    let allowed = 2;
    slackApi((body, method) => (allowed-- > 0 ? okReply(body, method) : [500, { ok: false }]));
    const alerts = Array.from({ length: 5 }, () => makeAlert());
    await state.store.enqueueAlerts('acme', alerts, '#alerts');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    expect(await drive(sender().drainOnce({ deadlineMs: 60_000 }))).toMatchObject({ posted: 2, pending: 3 });
    vi.useRealTimers();
    state.db.close();

    nock.cleanAll();
    slackApi();
    const reopened = state.reopen();
    const second = await sender(reopened).drainOnce({ deadlineMs: 60_000 });
    expect(second).toMatchObject({ posted: 3, pending: 0 });
    const delivered = posts()
      .filter((_, i, all) => all.findIndex((c) => c.body.metadata?.event_payload.incident === all[i]!.body.metadata?.event_payload.incident) === i)
      .map((call) => call.body.metadata!.event_payload.incident);
    expect(delivered.sort()).toEqual(alerts.map((a) => a.incident).sort());
    const sentTs = reopened.db.prepare(`SELECT message_ts FROM outbox WHERE status = 'sent'`).all() as { message_ts: string }[];
    expect(new Set(sentTs.map((r) => r.message_ts)).size).toBe(5);
  });

  it('puts metadata on every message type: alert, thread reply, parent update, digest', async () => {
    slackApi();
    const parent = makeAlert({ count: 20, incidentCount: 20 });
    const repeat = makeAlert({ kind: 'repeat', reason: 'repeat', incident: parent.incident, count: 3, incidentCount: 23 });
    await state.store.enqueueAlerts('acme', [parent, repeat], '#alerts');
    await state.store.enqueueAlerts('acme', Array.from({ length: 25 }, () => makeAlert({ ruleId: 'flood' })), '#flood');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    expect(await drive(sender().drainOnce({ deadlineMs: 60_000 }))).toMatchObject({ posted: 1, replies: 1, updates: 1, digests: 1 });
    const kinds = calls.map((call) => `${call.method}:${call.body.metadata?.event_payload.kind}`).sort();
    expect(kinds).toEqual(['chat.postMessage:alert', 'chat.postMessage:digest', 'chat.postMessage:repeat', 'chat.update:alert']);
    for (const call of calls) {
      expect(call.body.metadata).toMatchObject({ event_type: 'auth0_log_alert', event_payload: { rule_id: expect.any(String), incident: expect.any(String), count: expect.any(Number) } });
    }
    const reply = calls.find((c) => c.body.metadata?.event_payload.kind === 'repeat')!;
    expect(reply.body.thread_ts).toBe('1700000000.000001');
    const digest = calls.find((c) => c.body.metadata?.event_payload.kind === 'digest')!;
    expect(digest.body.metadata!.event_payload.count).toBe(25);
  });
});
