import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { createSender } from '../../src/slack/sender.js';
import { blockKitViolations, fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { FakePoster, ManualClock, captureLogger } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

// CONTRACT.md: a message lists at most 100 log ids, and each log id is reported
// by exactly one posted message — a digest standing for more events than that included.
let state: ReturnType<typeof tempStateDb>;
let clock: ManualClock;
let poster: FakePoster;

beforeEach(() => {
  state = tempStateDb();
  clock = new ManualClock();
  poster = new FakePoster(clock);
});
afterEach(() => state.cleanup());

function sender() {
  return createSender({ store: state.store, poster, catalog: fakeCatalog(), logger: captureLogger().logger, defaultChannel: '#alerts', clock, backoff: { random: () => 0 } });
}

/** `n` threshold alerts of one rule, each for its own IP and listing `idsEach` log ids. */
function floodAlerts(n: number, idsEach: number): Alert[] {
  return Array.from({ length: n }, (_, i) =>
    makeAlert({
      ruleId: 'brute-force-by-ip',
      incident: `brute-force-by-ip:${i}`,
      group: { ip: `198.51.100.${i}` },
      count: idsEach,
      incidentCount: idsEach,
      logIds: Array.from({ length: idsEach }, (_, j) => `900${String(i).padStart(3, '0')}${String(j).padStart(3, '0')}`),
    }),
  );
}

describe('a digest standing for more than 100 log ids', () => {
  it('lists every log id exactly once: the rest go to replies in the digest thread, 100 at most each', async () => {
    const flood = floodAlerts(30, 10); // 300 log ids, one rule: one digest
    await state.store.enqueueAlerts('acme', flood, '#alerts');
    const report = await sender().drainOnce({ deadlineMs: 600_000 });
    expect(report).toMatchObject({ digests: 1, pending: 0 });

    const ofDigest = poster.posts.filter((p) => p.metadata.event_payload.kind === 'digest');
    const [digest, ...replies] = ofDigest;
    expect(poster.channelMessages()).toHaveLength(1);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    expect(replies.every((reply) => reply.thread_ts === digest!.ts)).toBe(true);
    // One digest: its parts share its id.
    expect(new Set(ofDigest.map((p) => p.metadata.event_payload.incident)).size).toBe(1);
    expect(ofDigest.every((p) => p.metadata.event_payload.log_ids.length <= 100)).toBe(true);

    const listed = ofDigest.flatMap((p) => p.metadata.event_payload.log_ids);
    expect(listed.sort()).toEqual(flood.flatMap((a) => a.logIds).sort());
    // Counts add up to every event once, so tools summing `count` see 300, not more.
    expect(ofDigest.reduce((sum, p) => sum + p.metadata.event_payload.count, 0)).toBe(300);
    // The digest itself still tells people about the whole flood; every part is a valid Slack message.
    expect(JSON.stringify(digest!.blocks)).toContain('300 events');
    expect(ofDigest.flatMap((post) => blockKitViolations(post))).toEqual([]);
  });

  it('threads a later repeat of any digested incident under the digest, never under one of its replies', async () => {
    const flood = floodAlerts(30, 10);
    await state.store.enqueueAlerts('acme', flood, '#alerts');
    await sender().drainOnce({ deadlineMs: 600_000 });
    const digest = poster.posts.find((post) => !post.thread_ts);
    const last = flood.at(-1)!; // reported by the last reply, not by the digest message
    await state.store.enqueueAlerts('acme', [makeAlert({ kind: 'repeat', reason: 'repeat', incident: last.incident, ruleId: last.ruleId, count: 1, incidentCount: 11 })], '#alerts');
    await sender().drainOnce({ deadlineMs: 600_000 });
    const repeat = poster.posts.at(-1)!;
    expect(repeat.metadata.event_payload).toMatchObject({ kind: 'repeat', incident: last.incident });
    expect(repeat.thread_ts).toBe(digest!.ts);
    expect(poster.updates).toHaveLength(0); // a digest is never overwritten by one incident
  });
});

describe('a flood holding an alert of more than 100 log ids', () => {
  it('keeps that alert out of the digest: its message and its thread reply list its log ids, the digest the others', async () => {
    const big = makeAlert({
      ruleId: 'brute-force-by-ip',
      incident: 'brute-force-by-ip:big',
      group: { ip: '203.0.113.7' },
      count: 150,
      incidentCount: 150,
      logIds: Array.from({ length: 150 }, (_, j) => `901000${String(j).padStart(3, '0')}`),
    });
    const flood = [...floodAlerts(15, 5), big, ...floodAlerts(15, 5).map((alert, i) => ({ ...alert, incident: `${alert.incident}b`, logIds: alert.logIds.map((id) => `${id}b${i}`) }))];
    await state.store.enqueueAlerts('acme', flood, '#alerts');
    const report = await sender().drainOnce({ deadlineMs: 600_000 });
    expect(report).toMatchObject({ digests: 1, posted: 1, pending: 0, failed: 0 });

    const ofBig = poster.posts.filter((post) => post.metadata.event_payload.incident === big.incident);
    expect(ofBig.map((post) => [post.metadata.event_payload.kind, post.metadata.event_payload.count, post.thread_ts === undefined])).toEqual([
      ['alert', 100, true],
      ['alert', 50, false],
    ]);
    expect(ofBig[1]!.thread_ts).toBe(ofBig[0]!.ts);
    const listed = poster.posts.flatMap((post) => post.metadata.event_payload.log_ids);
    expect(listed.sort()).toEqual(flood.flatMap((alert) => alert.logIds).sort());
    expect(poster.posts.reduce((sum, post) => sum + post.metadata.event_payload.count, 0)).toBe(150 + 30 * 5);
    expect(poster.posts.flatMap((post) => blockKitViolations(post))).toEqual([]);
  });
});

describe('an alert of more than 100 log ids near the end of a drain', () => {
  it('waits for the next drain rather than post its message without the reply listing its other log ids', async () => {
    const small = makeAlert({ incident: 'small' });
    const big = makeAlert({ incident: 'big', count: 150, incidentCount: 150, logIds: Array.from({ length: 150 }, (_, j) => `902000${String(j).padStart(3, '0')}`) });
    await state.store.enqueueAlerts('acme', [small, big], '#alerts');
    // One message a second: time for the small alert and the big one's message, not for its reply.
    expect(await sender().drainOnce({ deadlineMs: 1_500 })).toMatchObject({ posted: 1, pending: 1 });
    expect(await sender().drainOnce({ deadlineMs: 60_000 })).toMatchObject({ posted: 1, replies: 1, pending: 0 });
    const listed = poster.posts.flatMap((post) => post.metadata.event_payload.log_ids);
    expect(listed.sort()).toEqual([...small.logIds, ...big.logIds].sort());
  });
});
