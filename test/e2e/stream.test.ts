import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from './standins/http.js';
import { encodeBatch, freePort, startLogStreamStandIn, type LogStreamStandIn, type StreamFormat } from './standins/log-stream.js';
import type { PostedMessage } from './standins/slack.js';
import { createWorld, ensureBuilt, reportedLogIds, waitFor, type World } from '../helpers/e2e-harness.js';
import { expectCleanRun, expectReportedExactlyOnce, stopGracefully } from '../helpers/e2e-scenario.js';
import { TrafficGenerator, type GeneratedEvent } from '../helpers/e2e-traffic.js';

// Log-stream scenarios: the stream and the poller deliver the same tenant's
// events, in every content format, repeated, reordered and overlapping; each
// log id must still be evaluated, and reported, exactly once.
const TOKEN = 'e2e-log-stream-token-5b1f0c';
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const FLOOD_IP = '198.51.100.77';
const FORMATS: readonly StreamFormat[] = ['jsonlines', 'jsonarray', 'jsonobject'];

/** Steady traffic with breached passwords, and a brute-force flood from one IP (a threshold rule). */
function traffic(seed: number): GeneratedEvent[] {
  const generator = new TrafficGenerator({ seed });
  return [...generator.steady(240, 5), ...generator.stuffing({ ips: [FLOOD_IP], users: 25, events: 45, gapMs: 150 }), ...generator.steady(120, 3)];
}

/** The events as Auth0 stores them: with the log ids the stand-in gave them. */
function withIds(events: readonly GeneratedEvent[], ids: readonly string[]): Array<Record<string, unknown>> {
  return events.map((event, index) => ({ ...event, log_id: ids[index], _id: ids[index] }));
}

/** Log ids every run must report: breached passwords and every failed login of the flood. */
function expectedIds(events: ReadonlyArray<Record<string, unknown>>): string[] {
  return events.filter((e) => e.type === 'pwd_leak' || ((e.type === 'f' || e.type === 'fp' || e.type === 'fu') && e.ip === FLOOD_IP)).map((e) => String(e.log_id));
}

/** Shuffled batches of 1–60 events, each in a format (one event for JSONOBJECT). */
function batches(events: ReadonlyArray<Record<string, unknown>>, random: () => number): Array<{ events: Array<Record<string, unknown>>; format: StreamFormat }> {
  const out: Array<{ events: Array<Record<string, unknown>>; format: StreamFormat }> = [];
  let index = 0;
  while (index < events.length) {
    const format = FORMATS[Math.floor(random() * FORMATS.length)]!;
    const size = format === 'jsonobject' ? 1 : 1 + Math.floor(random() * 60);
    out.push({ events: events.slice(index, index + size), format });
    index += size;
  }
  // Reordered: later batches arrive before earlier ones.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function startBotWithStream(w: World): Promise<{ stream: LogStreamStandIn; port: number }> {
  const port = await freePort();
  w.start(['run'], { PORT: String(port), LOG_STREAM_TOKEN: TOKEN, POLL_SCHEDULE: '*/2 * * * * *' });
  await waitFor('the bot to serve /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)) !== undefined, {
    timeoutMs: 20_000,
    diagnostics: () => w.diagnostics(),
  });
  return { stream: startLogStreamStandIn({ url: `http://127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` }), port };
}

/** Waits until nothing is pending and every expected id was reported. */
async function settled(w: World, expected: readonly string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'every expected alert delivered',
    () => {
      const state = w.state();
      const seen = reportedLogIds(w.slack.messages);
      return state !== undefined && state.pending === 0 && expected.every((id) => seen.has(id));
    },
    { timeoutMs, intervalMs: 200, diagnostics: () => w.diagnostics() },
  );
  // A moment more: anything doubled would be posted by now.
  await new Promise((r) => setTimeout(r, 1500));
}

/** The alerts as sets, whatever their batching into messages: incidents per rule and the log ids each rule reported. */
function alertSummary(messages: readonly PostedMessage[]) {
  const byRule = new Map<string, { incidents: Set<string>; logIds: string[]; count: number }>();
  for (const message of messages) {
    const payload = message.metadata?.event_payload;
    if (!payload) continue;
    const rule = String(payload.rule_id);
    const entry = byRule.get(rule) ?? { incidents: new Set(), logIds: [], count: 0 };
    entry.incidents.add(JSON.stringify(payload.group));
    entry.logIds.push(...((payload.log_ids as string[] | undefined) ?? []));
    entry.count += Number(payload.count ?? 0);
    byRule.set(rule, entry);
  }
  return Object.fromEntries([...byRule].sort().map(([rule, entry]) => [rule, { incidents: [...entry.incidents].sort(), logIds: entry.logIds.sort(), count: entry.count }]));
}

/** How many outbox rows hold each log id (the stream's own guarantee, whatever the sender does). */
function queuedTimes(stateDb: string): Map<string, number> {
  const db = new Database(stateDb, { readonly: true });
  try {
    const times = new Map<string, number>();
    for (const { alert } of db.prepare('SELECT alert FROM outbox').all() as Array<{ alert: string }>) {
      for (const id of (JSON.parse(alert) as { logIds: string[] }).logIds) times.set(id, (times.get(id) ?? 0) + 1);
    }
    return times;
  } finally {
    db.close();
  }
}

describe('e2e: Auth0 log stream next to the poller', () => {
  it('reports every expected alert exactly once across formats, duplicates, retries, reordering and overlap with the poller', async () => {
    world = await createWorld();
    const random = seededRandom(61);
    const generated = traffic(61);
    const events = withIds(generated, world.auth0.addEvents(generated));
    const expected = expectedIds(events);
    const { stream } = await startBotWithStream(world);
    // The stream brings about two thirds of the events (the poller finds all of them), in shuffled batches;
    // a fifth of the batches come again (Auth0 retrying a delivery whose answer it did not get), some concurrently.
    const streamed = events.filter(() => random() < 0.67);
    const plan = batches(streamed, random);
    let repeated = 0;
    for (const batch of plan) {
      const again = random() < 0.2;
      if (again) repeated += 1;
      await Promise.all([stream.deliver(batch.events, batch.format), ...(again ? [stream.deliver(batch.events, batch.format)] : [])]);
    }
    await settled(world, expected);
    const [exit] = await stopGracefully(world);

    expect(plan.map((b) => b.format)).toEqual(expect.arrayContaining([...FORMATS]));
    expect(repeated).toBeGreaterThan(0);
    expect(expected.length).toBeGreaterThan(40);
    expectReportedExactlyOnce(world.slack.messages, expected);
    expect([...queuedTimes(world.stateDb).values()].every((times) => times === 1)).toBe(true);
    expectCleanRun(world);
    expect(world.bots[0]!.output()).not.toContain(TOKEN);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('raises the same alerts whether the events came by stream, by poll, or half and half', async () => {
    const summaries: Record<string, unknown> = {};
    for (const path of ['poll', 'stream', 'half'] as const) {
      world = await createWorld();
      const random = seededRandom(71);
      const generated = traffic(71);
      // Stream only: Auth0's API has nothing for the poller (the ids are made as the stand-in would).
      const ids = world.auth0.addEvents(generated);
      const events = withIds(generated, ids);
      if (path === 'stream') {
        await world.close();
        world = await createWorld();
      }
      const expected = expectedIds(events);
      if (path === 'poll') {
        world.start(['run']);
      } else {
        const { stream } = await startBotWithStream(world);
        const delivered = path === 'stream' ? events : events.filter(() => random() < 0.5);
        for (const batch of batches(delivered, random)) await stream.deliver(batch.events, batch.format);
      }
      await settled(world, expected);
      expectReportedExactlyOnce(world.slack.messages, expected);
      summaries[path] = alertSummary(world.slack.messages);
      await world.close();
      world = undefined;
    }
    expect(summaries.stream).toEqual(summaries.poll);
    expect(summaries.half).toEqual(summaries.poll);
  }, 180_000);

  it('refuses a missing or wrong token (401) and an oversized body (413), storing nothing', async () => {
    world = await createWorld();
    const generated = new TrafficGenerator({ seed: 81 }).steady(20, 2);
    const events = withIds(generated, generated.map((_, i) => `90020240501120000${String(i).padStart(39, '0')}`));
    const { stream } = await startBotWithStream(world);
    expect((await stream.post(events, 'jsonarray', { authorization: '' })).status).toBe(401);
    expect((await stream.post(events, 'jsonarray', { authorization: 'Bearer not-the-token' })).status).toBe(401);
    // Auth0 documents no batch size; the endpoint takes up to 5 MB (the limit).
    const oversized = `[${Array.from({ length: 2_000 }, () => JSON.stringify({ log_id: 'x', data: { ...events[0], description: 'y'.repeat(2_700) } })).join(',')}]`;
    expect(Buffer.byteLength(oversized)).toBeGreaterThan(5 * 1024 * 1024);
    expect((await stream.post([], 'jsonarray', { body: oversized }).catch(() => ({ status: 0, body: '' }))).status).toBe(413);
    const db = new Database(world.stateDb, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM seen_log_ids').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(world.bots[0]!.output()).not.toContain('not-the-token');
    // The right token is taken.
    expect((await stream.post(events, 'jsonarray')).status).toBe(200);
  }, 60_000);

  it('accepts the retry of a batch whose answer a SIGKILL cut off, doubling nothing', async () => {
    world = await createWorld();
    const random = seededRandom(91);
    const generated = new TrafficGenerator({ seed: 91 }).steady(3_000, 30);
    const events = withIds(generated, generated.map((_, i) => `90020240501120000${String(i).padStart(39, '0')}`));
    const expected = expectedIds(events);
    const plan = batches(events, random).map((batch) => ({ ...batch, format: batch.format === 'jsonobject' ? ('jsonarray' as const) : batch.format }));
    const kills = 4;
    let killedMidRequest = 0;
    let next = 0;
    for (let kill = 0; kill <= kills; kill++) {
      const { stream } = await startBotWithStream(world);
      const bot = world.bots[world.bots.length - 1]!;
      if (kill === kills) {
        for (; next < plan.length; next++) await stream.deliver(plan[next]!.events, plan[next]!.format);
        break;
      }
      // Post batches back to back and SIGKILL the bot a seeded few milliseconds after sending the
      // seeded n-th one (counted, not timed: a fast machine must not finish before the kill): the
      // batch in flight was received, maybe committed, never answered. Auth0 retries it against the
      // restarted bot.
      const killAt = next + 3 + Math.floor(random() * 20);
      for (; next < plan.length; ) {
        const batch = plan[next]!;
        const answered = stream.post(batch.events, batch.format).then(
          (answer) => answer.status,
          () => 0,
        );
        if (next >= killAt) {
          await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
          bot.child.kill('SIGKILL');
          await bot.exited;
          if ((await answered) === 0) killedMidRequest += 1;
          break;
        }
        if ((await answered) === 200) next += 1;
      }
    }
    await settled(world, expected, 90_000);

    expect(killedMidRequest).toBeGreaterThan(0);
    // Each log id was queued by exactly one transaction, whatever the kills: the stream doubled nothing.
    const queued = queuedTimes(world.stateDb);
    expect([...queued.keys()].sort()).toEqual([...expected].sort());
    expect([...queued.values()].every((times) => times === 1)).toBe(true);
    // Nothing missing; a message posted just before a kill may be posted again by the sender (at most one per kill).
    const seen = reportedLogIds(world.slack.messages);
    expect(expected.filter((id) => !seen.has(id))).toEqual([]);
    expect([...seen.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(kills);
    expect(encodeBatch([events[0]!], 'jsonobject')).toContain('"data"');
  }, 180_000);
});
