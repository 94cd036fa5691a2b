import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { StateBusyError } from '../../src/errors.js';
import type { SlackMessage } from '../../src/slack/format.js';
import type { NoticeMessage } from '../../src/slack/format-notice.js';
import { createSender } from '../../src/slack/sender.js';
import type { StateStore } from '../../src/state/store.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { FakePoster, ManualClock, captureLogger, platformError } from '../helpers/slack-poster.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

// Issue #10 §1–§5 (sender side): one writer per channel, never a second post
// after Slack said ok, dead channels and threads, dead rows, digests per
// tenant, and the bot's notices about itself.

let state: TempState;
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

function sender(extra: Partial<Parameters<typeof createSender>[0]> = {}) {
  return createSender({
    store: state.store,
    poster,
    catalog: fakeCatalog(),
    logger: log.logger,
    defaultChannel: '#alerts',
    clock,
    backoff: { random: () => 0 },
    ...extra,
  });
}

const statusCounts = (): Record<string, number> =>
  Object.fromEntries(
    (state.db.prepare(`SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`).all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
  );
const repeatOf = (alert: Alert, n: number): Alert =>
  makeAlert({ kind: 'repeat', reason: 'repeat', incident: alert.incident, ruleId: alert.ruleId, count: n, incidentCount: alert.count + n });
const alertPosts = () => poster.posts.filter((post) => post.metadata.event_type === 'auth0_log_alert');

describe('one writer per channel (§1)', () => {
  it('two processes draining one state at once post every alert exactly once; the second skips the busy channel and says so', async () => {
    const alerts = Array.from({ length: 6 }, () => makeAlert());
    await state.store.enqueueAlerts('acme', alerts, '#alerts');
    // A slow Slack: each post takes real time, so the two drains overlap.
    const slow = new (class extends FakePoster {
      override async postMessage(message: SlackMessage) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return super.postMessage(message);
      }
    })(clock);
    const other = state.reopen();
    const first = createSender({ store: state.store, poster: slow, catalog: fakeCatalog(), logger: log.logger, clock, owner: 'first' });
    const second = createSender({ store: other, poster: slow, catalog: fakeCatalog(), logger: log.logger, clock, owner: 'second' });

    const [a, b] = await Promise.all([first.drainOnce(), second.drainOnce()]);

    // The setup ran: the drains overlapped, and the second found the channel taken.
    expect(b.busy).toEqual(['#alerts']);
    expect(log.lines().some((l) => /another auth0-log-alerts process \(first\) is delivering to #alerts/.test(l.msg))).toBe(true);
    const incidents = slow.posts.map((p) => p.metadata.event_payload.incident);
    expect(incidents.sort()).toEqual(alerts.map((x) => x.incident).sort());
    expect(a.posted + b.posted).toBe(6);
    // Once the first is done the lease is released: a later drain of the second may deliver.
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    expect(await second.drainOnce()).toMatchObject({ posted: 1, busy: [] });
  });

  it('takes a channel over at once from a killed process of this host, but waits for a live one', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    const until = clock.now() + 60_000;
    state.db.prepare(`INSERT INTO channel_leases (channel, owner, expires_at) VALUES ('#alerts', ?, ?)`).run(`${hostname()}:${process.pid}:alive`, until);
    expect(await sender({ owner: 'me' }).drainOnce()).toMatchObject({ posted: 0, busy: ['#alerts'] });
    // No process has pid 2^22 + 1 (above Linux's pid_max): the owner is gone.
    state.db.prepare(`UPDATE channel_leases SET owner = ?`).run(`${hostname()}:4194305:killed`);
    expect(await sender({ owner: 'me' }).drainOnce()).toMatchObject({ posted: 1, busy: [] });
  });

  it('stops posting to a channel as soon as another process took its lease over', async () => {
    await state.store.enqueueAlerts('acme', Array.from({ length: 4 }, () => makeAlert()), '#alerts');
    const other = state.reopen();
    // After the first post, this process stalls (in its pacing wait) past its lease, and another takes the channel.
    const stalling = new (class extends ManualClock {
      override async sleep(ms: number, signal?: AbortSignal) {
        await super.sleep(ms, signal);
        if (poster.posts.length === 1 && this.time < Date.parse('2024-01-01T01:00:00Z')) {
          this.time += 120_000;
          other.db.prepare(`UPDATE channel_leases SET owner = 'intruder', expires_at = ? WHERE channel = '#alerts'`).run(this.time + 60_000);
        }
      }
    })(clock.time);
    const report = await sender({ owner: 'me', clock: stalling }).drainOnce({ deadlineMs: 600_000 });
    // The post after the takeover is never made: the lease is renewed (and found lost) before each call.
    expect(poster.posts).toHaveLength(1);
    expect(report.posted).toBe(1);
    expect(log.lines().some((l) => /another auth0-log-alerts process took over delivering to #alerts/.test(l.msg))).toBe(true);
  });
});

describe('after Slack said ok (§2)', () => {
  it('a failed recording after ok never re-posts: the ts is kept, that channel waits, only the recording is retried', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#a');
    await state.store.enqueueAlerts('acme', [makeAlert()], '#b');
    // The disk refuses the write that records a delivery to #a (after Slack answered ok).
    state.db.exec(`CREATE TRIGGER refuse_a BEFORE UPDATE OF status ON outbox WHEN NEW.channel = '#a' AND NEW.status = 'sent'
      BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;`);
    const s = sender();
    const first = await s.drainOnce();
    expect(first.unrecorded).toBe(1);
    // The fault fired: #a's first message was posted and not recorded; #a stopped; #b went on.
    expect(poster.posts.map((p) => p.channel).sort()).toEqual(['#a', '#b']);
    expect(statusCounts()).toEqual({ pending: 2, sent: 1 });
    expect(log.lines().some((l) => /Slack accepted the message \(ts .*\) but recording it failed; #a waits/.test(l.msg))).toBe(true);

    clock.time += 60_000;
    expect((await s.drainOnce()).posted).toBe(0); // still refused: nothing new posted, nothing re-posted
    expect(poster.posts).toHaveLength(2);

    state.db.exec('DROP TRIGGER refuse_a');
    clock.time += 60_000;
    const third = await s.drainOnce();
    expect(third.posted).toBe(1); // only the second #a alert; the first was recorded, not posted again
    const incidents = poster.posts.map((p) => p.metadata.event_payload.incident);
    expect(new Set(incidents).size).toBe(3);
    expect(statusCounts()).toEqual({ sent: 3 });
  });

  it('a message Slack accepted is recorded at stop() when the database works again', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#a');
    state.db.exec(`CREATE TRIGGER refuse BEFORE UPDATE OF status ON outbox BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;`);
    const s = sender();
    expect((await s.drainOnce()).unrecorded).toBe(1);
    state.db.exec('DROP TRIGGER refuse');
    await s.stop();
    expect(statusCounts()).toEqual({ sent: 1 });
    expect(poster.posts).toHaveLength(1);
  });

  it('a 200 ok without a ts is delivered: recorded as sent, never posted again', async () => {
    const alert = makeAlert();
    await state.store.enqueueAlerts('acme', [alert], '#a');
    const noTs = new (class extends FakePoster {
      override async postMessage(message: SlackMessage): Promise<{ ts: string; channel: string }> {
        const posted = await super.postMessage(message);
        return { ...posted, ts: null as unknown as string }; // Slack's ok without a ts
      }
    })(clock);
    const s = sender({ poster: noTs, failedCooldownMs: 1000 });
    expect(await s.drainOnce()).toMatchObject({ posted: 1, failed: 0, pending: 0 });
    clock.time += 3_600_000;
    await s.drainOnce();
    expect(noTs.posts).toHaveLength(1);
    expect(statusCounts()).toEqual({ sent: 1 });
  });

  it('a drain ends only when every channel settled, even when one channel hits a state error', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#bad');
    await state.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#good');
    const broken = new Proxy(state.store, {
      get(target, property) {
        if (property === 'pendingRows') {
          return async (channel: string, limit: number) => {
            if (channel === '#bad') throw new StateBusyError('state database is locked by another process');
            return target.pendingRows(channel, limit);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as StateStore;
    const report = await sender({ store: broken }).drainOnce();
    expect(report.posted).toBe(2);
    expect(poster.posts.every((p) => p.channel === '#good')).toBe(true);
    expect(log.lines().some((l) => /delivery to #bad stopped for this round: state database is locked/.test(l.msg))).toBe(true);
  });
});

describe('dead channels, dead threads, dead rows (§3)', () => {
  it('a repeat whose parent lives in an archived old channel goes standalone in the current channel, which keeps flowing', async () => {
    const alert = makeAlert({ count: 3, incidentCount: 3 });
    await state.store.enqueueAlerts('acme', [alert], '#old');
    const s = sender();
    await s.drainOnce();
    expect(poster.posts[0]!.channel).toBe('#old');
    // The rule now posts to #new; #old was archived meanwhile.
    poster.script = (message) => (message.channel === 'COLD' || message.channel === '#old' ? platformError('is_archived') : undefined);
    await state.store.enqueueAlerts('acme', [repeatOf(alert, 2), makeAlert()], '#new');
    const report = await s.drainOnce();
    expect(report.failed).toBe(0);
    const inNew = poster.posts.filter((p) => p.channel === '#new');
    expect(inNew).toHaveLength(2);
    expect(inNew.every((p) => p.thread_ts === undefined)).toBe(true);
    expect(inNew.find((p) => p.metadata.event_payload.incident === alert.incident)!.metadata.event_payload).toMatchObject({ kind: 'repeat', count: 2 });
    expect(statusCounts()).toEqual({ sent: 3 });
    // The standalone message is the incident's new thread parent.
    expect(await state.store.getIncident(alert.incident)).toMatchObject({ channel: 'CNEW', messageTs: inNew.find((p) => p.metadata.event_payload.incident === alert.incident)!.ts });
  });

  it('thread_not_found: the repeat is posted standalone and starts a new thread', async () => {
    const alert = makeAlert();
    await state.store.enqueueAlerts('acme', [alert], '#alerts');
    const s = sender();
    await s.drainOnce();
    poster.script = (message) => (message.thread_ts === poster.posts[0]!.ts ? platformError('thread_not_found') : undefined);
    await state.store.enqueueAlerts('acme', [repeatOf(alert, 1)], '#alerts');
    await s.drainOnce();
    const standalone = poster.posts[1]!;
    expect(standalone.thread_ts).toBeUndefined();
    expect(standalone.metadata.event_payload.incident).toBe(alert.incident);
    await state.store.enqueueAlerts('acme', [repeatOf(alert, 1)], '#alerts');
    await s.drainOnce();
    expect(poster.posts[2]!.thread_ts).toBe(standalone.ts);
    expect(statusCounts()).toEqual({ sent: 3 });
  });

  it('a parent deleted in Slack (chat.update: message_not_found): the next repeat starts a new thread', async () => {
    const alert = makeAlert();
    await state.store.enqueueAlerts('acme', [alert], '#alerts');
    const s = sender();
    await s.drainOnce();
    const failingUpdate = new (class extends FakePoster {
      override async update(): Promise<void> {
        throw platformError('message_not_found');
      }
    })(clock);
    poster = failingUpdate;
    const deleted = sender({ poster: failingUpdate });
    await state.store.enqueueAlerts('acme', [repeatOf(alert, 1)], '#alerts');
    await deleted.drainOnce();
    expect(await state.store.getIncident(alert.incident)).toMatchObject({ messageTs: null });
    await state.store.enqueueAlerts('acme', [repeatOf(alert, 1)], '#alerts');
    await deleted.drainOnce();
    // The reply could not know; the next repeat is a standalone message, the incident's new parent.
    expect(failingUpdate.posts.map((p) => p.thread_ts ?? 'standalone')).toEqual([expect.any(String), 'standalone']);
    expect(await state.store.getIncident(alert.incident)).toMatchObject({ messageTs: failingUpdate.posts[1]!.ts });
  });

  it('failed rows become dead after bounded attempts instead of failing again every cooldown', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    poster.script = () => platformError('invalid_blocks');
    const s = sender({ failedCooldownMs: 1000, deadAfterAttempts: 3 });
    for (let round = 0; round < 6; round++) {
      await s.drainOnce();
      clock.time += 2000;
    }
    expect(poster.attempts).toHaveLength(3);
    expect(statusCounts()).toEqual({ dead: 1 });
    expect((await state.store.outboxSummary())[0]).toMatchObject({ dead: 1, failed: 0, lastError: expect.stringContaining('invalid_blocks') });
  });
});

describe('digests (§5)', () => {
  it('never mix tenants: one digest per tenant and rule, naming its tenant', async () => {
    const flood = (tenant: string) => Array.from({ length: 15 }, () => makeAlert({ ruleId: 'flood', title: `flood at ${tenant}` }));
    await state.store.enqueueAlerts('acme', flood('acme'), '#alerts');
    await state.store.enqueueAlerts('globex', flood('globex'), '#alerts');
    const report = await sender({ dashboardFor: (tenant) => ({ region: 'eu', tenant }) }).drainOnce();
    expect(report.digests).toBe(2);
    const digests = poster.posts.filter((p) => p.metadata.event_payload.kind === 'digest');
    for (const [index, tenant] of ['acme', 'globex'].entries()) {
      const text = JSON.stringify(digests[index]!.blocks);
      expect(text).toContain(`tenant \`${tenant}\``);
      expect(text).toContain(`https://manage.auth0.com/dashboard/eu/${tenant}/logs/`);
      expect(text).not.toContain(tenant === 'acme' ? 'globex' : 'acme');
      expect(digests[index]!.metadata.event_payload.count).toBe(15);
    }
  });
});

describe('notices about the bot itself (§4)', () => {
  it('a dead channel: one notice in a working channel, with notice metadata and no log_ids, and a "resolved" reply once it works again', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#gone');
    poster.script = (message) => (message.channel === '#gone' ? platformError('channel_not_found') : undefined);
    const s = sender({ noticeChannel: '#ops', failedCooldownMs: 1000 });
    await s.drainOnce();
    clock.time += 2000;
    await s.drainOnce(); // fails again: still one notice
    const notices = () => poster.posts.filter((p) => (p.metadata.event_type as string) === 'auth0_log_alerts_notice') as unknown as NoticeMessage[];
    expect(notices()).toHaveLength(1);
    expect(notices()[0]).toMatchObject({ channel: '#ops', metadata: { event_payload: { kind: 'dead_channel', problem: 'dead_channel:#gone', state: 'open' } } });
    expect(notices()[0]!.metadata.event_payload).not.toHaveProperty('log_ids');
    expect(notices()[0]!.text).toContain('#gone');
    expect((await state.store.listProblems()).map((p) => p.key)).toEqual(['dead_channel:#gone']);

    poster.script = () => undefined;
    clock.time += 2000;
    await s.drainOnce();
    expect(alertPosts().filter((p) => p.channel === '#gone')).toHaveLength(2);
    expect(notices()).toHaveLength(2);
    expect(notices()[1]).toMatchObject({ thread_ts: (notices()[0] as unknown as { ts: string }).ts, metadata: { event_payload: { state: 'resolved' } } });
    expect(await state.store.listProblems()).toEqual([]);
  });

  it('without any working channel the notice goes to the log only', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    poster.script = () => platformError('channel_not_found');
    await sender({ noticeChannel: '#alerts' }).drainOnce();
    expect(poster.posts).toHaveLength(0);
    expect(log.lines().some((l) => l.msg.startsWith('no working Slack channel for the notice: alerts for #alerts are held'))).toBe(true);
    expect((await state.store.listProblems())[0]).toMatchObject({ noticeState: 'logged' });
  });

  it('an outbox backing up: a notice when the oldest pending alert is older than the threshold, resolved once drained', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#slow', new Date(clock.now() - 20 * 60_000));
    poster.script = (message) => (message.channel === '#slow' ? platformError('service_unavailable') : undefined);
    const s = sender({ backlogNoticeMs: 15 * 60_000, maxAttempts: 1 });
    await s.drainOnce();
    const notice = poster.posts.find((p) => (p.metadata.event_type as string) === 'auth0_log_alerts_notice')!;
    expect(notice.metadata.event_payload).toMatchObject({ kind: 'outbox_backlog', state: 'open' });
    expect(notice.text).toMatch(/1 alert\(s\) are waiting to be posted; the oldest has waited 20 min/);
    poster.script = () => undefined;
    clock.time += 120_000;
    await s.drainOnce();
    expect(poster.posts.filter((p) => (p.metadata.event_type as string) === 'auth0_log_alerts_notice').map((p) => (p as unknown as NoticeMessage).metadata.event_payload.state)).toEqual(['open', 'resolved']);
  });
});
