import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/slack/clock.js';
import type { Alert } from '../../src/engine/alert.js';
import { createSender } from '../../src/slack/sender.js';
import type { StateStore } from '../../src/state/store.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { FakePoster, ManualClock, captureLogger, httpError, platformError, rateLimitedError } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

let state: ReturnType<typeof tempStateDb>;
let clock: ManualClock;
let poster: FakePoster;
let log: ReturnType<typeof captureLogger>;

beforeEach(() => {
  state = tempStateDb();
  clock = new ManualClock();
  poster = new FakePoster(clock);
  log = captureLogger();
});
afterEach(() => state.cleanup());

function sender(store: StateStore = state.store, extra: Parameters<typeof createSender>[0] extends infer I ? Partial<I> : never = {}) {
  return createSender({ store, poster, catalog: fakeCatalog(), logger: log.logger, defaultChannel: '#alerts', clock, backoff: { random: () => 0 }, ...extra });
}

function queue(alerts: Alert[], channel = '#alerts'): Promise<void> {
  return state.store.enqueueAlerts('acme', alerts, channel);
}

function statuses(): Record<string, number> {
  const rows = state.db.prepare(`SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`).all() as { status: string; n: number }[];
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

function repeatOf(alert: Alert, n: number): Alert {
  return makeAlert({ kind: 'repeat', reason: 'repeat', incident: alert.incident, ruleId: alert.ruleId, count: n, incidentCount: alert.count + n, logIds: [`999${n}`] });
}

describe('sender', () => {
  it('posts each alert once, marks it sent with its ts and records the incident', async () => {
    const alerts = [makeAlert(), makeAlert()];
    await queue(alerts);
    const report = await sender().drainOnce();
    expect(report).toMatchObject({ posted: 2, failed: 0, pending: 0 });
    expect(poster.posts.map((post) => post.metadata.event_payload.incident)).toEqual(alerts.map((a) => a.incident));
    const rows = state.db.prepare(`SELECT status, message_ts FROM outbox ORDER BY id`).all();
    expect(rows).toEqual(poster.posts.map((post) => ({ status: 'sent', message_ts: post.ts })));
    expect((await state.store.getIncident(alerts[0]!.incident))).toMatchObject({ messageTs: poster.posts[0]!.ts, count: 1, channel: 'CALERTS' });
  });

  it('keeps about one message per second per channel', async () => {
    await queue([makeAlert(), makeAlert(), makeAlert()]);
    await queue([makeAlert(), makeAlert()], '#other');
    await sender().drainOnce();
    const gaps = (channel: string) => {
      const times = poster.attempts.filter((a) => a.channel === channel).map((a) => a.at);
      return times.slice(1).map((t, i) => t - times[i]!);
    };
    expect(gaps('#alerts').every((gap) => gap >= 1000)).toBe(true);
    expect(gaps('#other').every((gap) => gap >= 1000)).toBe(true);
    expect(poster.posts).toHaveLength(5);
  });

  it('batches all pending repeats of an incident into one thread reply and updates the parent count', async () => {
    const alert = makeAlert({ count: 20, incidentCount: 20, threshold: { count: 20, window: '5m', groupBy: ['ip'] } });
    await queue([alert]);
    const s = sender();
    await s.drainOnce();
    await queue([repeatOf(alert, 1), repeatOf(alert, 2), repeatOf(alert, 3)]);
    const report = await s.drainOnce();
    expect(report).toMatchObject({ replies: 1, updates: 1, posted: 0 });
    const [parent, reply] = poster.posts;
    expect(reply!.thread_ts).toBe(parent!.ts);
    expect(reply!.metadata.event_payload).toMatchObject({ kind: 'repeat', count: 6, incident: alert.incident });
    expect(reply!.text).toContain('+6 more, 26 in all');
    expect(poster.updates[0]).toMatchObject({ ts: parent!.ts, channel: 'CALERTS' });
    expect(JSON.stringify(poster.updates[0]!.blocks)).toContain('*So far*\\n20 → now 26 (thread)');
    expect(poster.updates[0]!.metadata.event_payload.kind).toBe('alert');
    expect((await state.store.getIncident(alert.incident))!.count).toBe(26);
  });

  it('splits pending repeats whose log ids exceed one message (100) into several replies: every id in exactly one', async () => {
    const alert = makeAlert({ count: 20, incidentCount: 20, threshold: { count: 20, window: '5m', groupBy: ['ip'] } });
    await queue([alert]);
    const s = sender();
    await s.drainOnce();
    // Three pages of repeats (the engine bounds each to 100 ids): 90 + 90 + 70 = 250 ids.
    const ids = (page: number, n: number) => Array.from({ length: n }, (_, i) => `9${String(page)}${String(i).padStart(54, '0')}`);
    const pages = [ids(1, 90), ids(2, 90), ids(3, 70)];
    let running = alert.count;
    const repeats = pages.map((logIds) =>
      makeAlert({ kind: 'repeat', reason: 'repeat', incident: alert.incident, ruleId: alert.ruleId, count: logIds.length, incidentCount: (running += logIds.length), logIds }),
    );
    await queue(repeats);
    const report = await s.drainOnce();
    const replies = poster.posts.filter((post) => post.thread_ts);
    // The parent shows the new total once, after the last of the three.
    expect(report).toMatchObject({ replies: 3, updates: 1, posted: 0, pending: 0 });
    expect(JSON.stringify(poster.updates.at(-1)!.blocks)).toContain('now 270');
    const reported = replies.map((reply) => reply.metadata.event_payload.log_ids);
    expect(reported.map((list) => list.length)).toEqual([90, 90, 70]);
    expect(reported.flat().sort()).toEqual(pages.flat().sort());
    expect(replies.map((reply) => reply.metadata.event_payload.count)).toEqual([90, 90, 70]);
    expect(replies.map((reply) => reply.text.replace(/ · .*/, ''))).toEqual([
      expect.stringContaining('+90 more, 110 in all (reply 1 of 3)'),
      expect.stringContaining('+90 more, 200 in all (reply 2 of 3)'),
      expect.stringContaining('+70 more, 270 in all (reply 3 of 3)'),
    ]);
    expect((await state.store.getIncident(alert.incident))!.count).toBe(270);
  });

  it('posts a thread reply into the parent\'s channel even when the rule now names another channel', async () => {
    const alert = makeAlert();
    await queue([alert]);
    const s = sender();
    await s.drainOnce();
    // The rules were reloaded with a new channel while the incident stayed open.
    await queue([repeatOf(alert, 2)], '#moved');
    const report = await s.drainOnce();
    expect(report).toMatchObject({ replies: 1, posted: 0 });
    const [parent, reply] = poster.posts;
    expect(reply).toMatchObject({ channel: 'CALERTS', thread_ts: parent!.ts });
  });

  it('holds a repeat back while its parent is still pending, and posts it once the parent is in', async () => {
    const alert = makeAlert();
    await queue([alert, repeatOf(alert, 4)]);
    poster.script = (message, attempt) => (attempt <= 5 && !message.thread_ts ? httpError(503) : undefined);
    const s = sender(state.store, { maxAttempts: 5 });
    const first = await s.drainOnce();
    expect(first).toMatchObject({ posted: 0, replies: 0, pending: 2 });
    expect(poster.attempts.every((a) => !a.thread)).toBe(true);
    clock.time += 120_000;
    const second = await s.drainOnce();
    expect(second).toMatchObject({ posted: 1, replies: 1, pending: 0 });
    expect(poster.posts[1]!.thread_ts).toBe(poster.posts[0]!.ts);
  });

  it('posts a repeat standalone when its parent failed for good', async () => {
    const alert = makeAlert();
    await queue([alert, repeatOf(alert, 2)]);
    poster.script = (message) => (message.metadata.event_payload.kind === 'alert' ? platformError('invalid_blocks') : undefined);
    const report = await sender().drainOnce();
    expect(report).toMatchObject({ failed: 1, posted: 1 });
    expect(poster.posts[0]!.thread_ts).toBeUndefined();
    expect(poster.posts[0]!.metadata.event_payload.kind).toBe('repeat');
  });

  it('retries a 429 after Retry-After with the same message, without duplicates', async () => {
    await queue([makeAlert()]);
    poster.script = (_message, attempt) => (attempt === 1 ? rateLimitedError(7) : undefined);
    const report = await sender().drainOnce();
    expect(report.posted).toBe(1);
    expect(poster.attempts).toHaveLength(2);
    expect(poster.attempts[1]!.at - poster.attempts[0]!.at).toBeGreaterThanOrEqual(7000);
    expect(poster.posts).toHaveLength(1);
    // The retry carries the very message that was refused, body for body (not a re-rendered or another one).
    expect(poster.attempts[1]!.body).toEqual(poster.attempts[0]!.body);
    expect(poster.posts[0]).toMatchObject(poster.attempts[0]!.body);
  });

  it('backs off on transient errors and leaves the rows pending when attempts run out', async () => {
    await queue([makeAlert()]);
    poster.script = () => platformError('service_unavailable');
    const report = await sender(state.store, { maxAttempts: 3 }).drainOnce();
    expect(report).toMatchObject({ posted: 0, pending: 1, failed: 0 });
    expect(poster.attempts).toHaveLength(3);
    expect(clock.waits.filter((w) => w >= 500)).toEqual([500, 1000]);
    expect(state.db.prepare(`SELECT attempts, last_error FROM outbox`).get()).toMatchObject({ attempts: 1, last_error: expect.stringContaining('service_unavailable') });
  });

  it('marks a missing channel failed, says what to do once, and keeps other channels flowing', async () => {
    await queue([makeAlert(), makeAlert(), makeAlert()], '#gone');
    await queue([makeAlert(), makeAlert()], '#alerts');
    poster.script = (message) => (message.channel === '#gone' ? platformError('channel_not_found') : undefined);
    const report = await sender().drainOnce();
    expect(report).toMatchObject({ posted: 2, failed: 3, pending: 0 });
    expect(poster.attempts.filter((a) => a.channel === '#gone')).toHaveLength(1);
    const summary = (await state.store.outboxSummary());
    expect(summary.find((c) => c.channel === '#gone')).toMatchObject({ failed: 3, pending: 0 });
    expect(summary.find((c) => c.channel === '#gone')!.lastError).toMatch(/ALERT_CHANNEL/);
    const errors = log.lines().filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/#gone not found — check ALERT_CHANNEL/);
  });

  it('keeps every row pending when the token is rejected, says so once, and pauses the whole sender', async () => {
    await queue([makeAlert(), makeAlert()], '#a');
    await queue([makeAlert()], '#b');
    poster.script = () => platformError('invalid_auth');
    const s = sender(state.store, { authPauseMs: 300_000 });
    const errorLines = () => log.lines().filter((l) => l.level >= 50);

    // Several drains while the token is bad: a token problem is never the message's fault.
    const first = await s.drainOnce();
    expect(first).toMatchObject({ posted: 0, failed: 0, pending: 3, paused: true });
    const probes = poster.attempts.length;
    expect(probes).toBeLessThanOrEqual(2); // at most one call per channel, then everything stops
    for (let round = 0; round < 5; round += 1) {
      clock.time += 30_000;
      expect(await s.drainOnce()).toMatchObject({ failed: 0, pending: 3, paused: true });
    }
    expect(poster.attempts).toHaveLength(probes); // paused: no call inside the cool-down
    clock.time += 300_000;
    await s.drainOnce();
    expect(poster.attempts.length).toBeGreaterThan(probes); // tried again after the cool-down
    expect(statuses()).toEqual({ pending: 3 });

    // status can tell why they are stuck, without a row marked failed
    const summary = (await state.store.outboxSummary());
    expect(summary.map((c) => c.pendingError)).toEqual([expect.stringContaining('invalid_auth'), expect.stringContaining('invalid_auth')]);
    expect(summary.every((c) => c.failed === 0)).toBe(true);

    expect(errorLines().map((l) => l.msg)).toEqual([expect.stringMatching(/^Slack rejected SLACK_BOT_TOKEN \(invalid_auth\).*reinstall the app.*check the token/)]);
    expect(JSON.stringify(log.lines())).not.toContain('xoxb');

    // The token is fixed: the queued alerts go out after the next cool-down, the errors are cleared.
    poster.script = () => undefined;
    clock.time += 300_000;
    const later = await s.drainOnce();
    expect(later).toMatchObject({ posted: 3, pending: 0, paused: false });
    expect(statuses()).toEqual({ sent: 3 });
    expect((await state.store.outboxSummary()).map((c) => c.pendingError)).toEqual([null, null]);
    expect(log.lines().some((l) => l.level === 30 && /SLACK_BOT_TOKEN works again/.test(l.msg))).toBe(true);
  });

  it('retries failed rows after the cool-down (the configuration may have been fixed)', async () => {
    await queue([makeAlert()], '#gone');
    poster.script = () => platformError('channel_not_found');
    const s = sender(state.store, { failedCooldownMs: 60_000 });
    expect(await s.drainOnce()).toMatchObject({ failed: 1 });
    poster.script = () => undefined;
    clock.time += 61_000;
    expect(await s.drainOnce()).toMatchObject({ posted: 1, pending: 0 });
    expect(statuses()).toEqual({ sent: 1 });
  });

  it('collapses a flooded channel into one digest per rule that counts every event', async () => {
    const flood = Array.from({ length: 30 }, (_, n) =>
      makeAlert({ ruleId: 'brute-force-by-ip', count: 20 + n, group: { ip: `198.51.100.${n}` }, logIds: [`900${String(n).padStart(3, '0')}`] }),
    );
    const other = makeAlert({ ruleId: 'breached-password' });
    await queue([...flood.slice(0, 10), other, ...flood.slice(10)]);
    const report = await sender().drainOnce();
    expect(report).toMatchObject({ digests: 1, posted: 1, pending: 0 });
    const digest = poster.posts.find((p) => p.metadata.event_payload.kind === 'digest')!;
    expect(digest.metadata.event_payload.count).toBe(flood.reduce((sum, a) => sum + a.count, 0));
    expect(digest.metadata.event_payload.log_ids).toHaveLength(30);
    expect(statuses()).toEqual({ sent: 31 });
    // Later repeats of a digested incident thread under the digest.
    await queue([repeatOf(flood[3]!, 5)]);
    await sender().drainOnce();
    expect(poster.posts.at(-1)!.thread_ts).toBe(digest.ts);
    expect(poster.updates).toHaveLength(0); // a digest is never overwritten by one incident
  });

  it('keeps rows pending when the deadline passes, and a new sender on the same db finishes them', async () => {
    await queue(Array.from({ length: 5 }, () => makeAlert()));
    const report = await sender().drainOnce({ deadlineMs: 2500 });
    expect(report.posted).toBe(3);
    expect(report.pending).toBe(2);
    const reopened = state.reopen();
    const after = await sender(reopened).drainOnce();
    expect(after).toMatchObject({ posted: 2, pending: 0 });
    const incidents = poster.posts.map((p) => p.metadata.event_payload.incident);
    expect(new Set(incidents).size).toBe(5);
  });

  it('runs as a loop until stopped (fake timers)', async () => {
    vi.useFakeTimers({ now: Date.parse('2024-01-01T00:00:00Z') });
    try {
      const s = sender(state.store, { idleMs: 5000, clock: systemClock });
      s.start();
      await vi.advanceTimersByTimeAsync(1000);
      await queue([makeAlert(), makeAlert()]);
      s.notify();
      await vi.advanceTimersByTimeAsync(3000);
      expect(poster.posts).toHaveLength(2);
      await s.stop();
      await queue([makeAlert()]);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(poster.posts).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
