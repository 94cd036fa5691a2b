import pg from 'pg';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { seededRandom } from './standins/http.js';
import { freePort, startLogStreamStandIn, type LogStreamStandIn, type StreamFormat } from './standins/log-stream.js';
import { createWorld, ensureBuilt, reportedLogIds, waitFor, type World } from '../helpers/e2e-harness.js';
import { readPgState } from '../helpers/e2e-replicas.js';
import { expectCleanRun, expectReportedExactlyOnce, stopGracefully } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';
import { describePg, tempPgDatabase, type TempPgDatabase } from '../helpers/pg.js';

// Issues 15 and 16: behind a load balancer, Auth0's log-stream POSTs may land on
// any replica, and a retried (or fanned-out) batch on another one than the first
// time. Two replicas on one PostgreSQL get every batch, often at the same moment:
// the shared seen-ids table makes each event count once, the shared outbox posts
// each alert once.
const TOKEN = 'e2e-replicas-stream-token-44e0';
let world: World | undefined;
let database: TempPgDatabase | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  await database?.drop();
  world = undefined;
  database = undefined;
});

const FLOOD_IP = '198.51.100.91';

/** How many outbox rows hold each log id: each must be queued by exactly one transaction, whichever replica took it. */
async function queuedTimes(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const times = new Map<string, number>();
    for (const { alert } of (await client.query<{ alert: string }>('SELECT alert FROM outbox')).rows) {
      for (const id of (JSON.parse(alert) as { logIds: string[] }).logIds) times.set(id, (times.get(id) ?? 0) + 1);
    }
    return times;
  } finally {
    await client.end();
  }
}

await describePg('e2e: log-stream POSTs to two replicas on PostgreSQL', () => {
  it('the same batches delivered to both replicas, often at once: every alert posted exactly once', async () => {
    world = await createWorld();
    database = await tempPgDatabase();
    const random = seededRandom(161);
    const generator = new TrafficGenerator({ seed: 161 });
    const generated = [...generator.steady(300, 12), ...generator.stuffing({ ips: [FLOOD_IP], users: 20, events: 40, gapMs: 150 }), ...generator.steady(100, 4)];
    // Stream only: Auth0's API holds nothing for the pollers, so every alert comes from a stream batch.
    const events: Array<Record<string, unknown> & { type: string; log_id: string }> = generated.map((event, i) => ({ ...event, log_id: `90020240501120000${String(i).padStart(39, '0')}` }));
    const expected = events
      .filter((e) => e.type === 'pwd_leak' || ((e.type === 'f' || e.type === 'fp' || e.type === 'fu') && e.ip === FLOOD_IP))
      .map((e) => e.log_id);

    const ports = [await freePort(), await freePort()];
    for (const port of ports) world.start(['run'], { DATABASE_URL: database.url, PORT: String(port), LOG_STREAM_TOKEN: TOKEN, POLL_SCHEDULE: '*/2 * * * * *' });
    const streams: LogStreamStandIn[] = [];
    for (const port of ports) {
      await waitFor(`replica on port ${port} to serve /healthz`, async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)) !== undefined, {
        timeoutMs: 30_000,
        diagnostics: () => world!.diagnostics(),
      });
      streams.push(startLogStreamStandIn({ url: `http://127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` }));
    }

    // Batches of 1–40 in a seeded order; each goes to both replicas — at the same moment (a fan-out, or a
    // retry racing the first attempt), or one after the other in either order (a retry landing elsewhere).
    const formats: StreamFormat[] = ['jsonlines', 'jsonarray'];
    const plan: Array<{ events: typeof events; format: StreamFormat }> = [];
    for (let index = 0; index < events.length; ) {
      const size = 1 + Math.floor(random() * 40);
      plan.push({ events: events.slice(index, index + size), format: formats[Math.floor(random() * formats.length)]! });
      index += size;
    }
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [plan[i], plan[j]] = [plan[j]!, plan[i]!];
    }
    let concurrent = 0;
    for (const batch of plan) {
      const [first, second] = random() < 0.5 ? [streams[0]!, streams[1]!] : [streams[1]!, streams[0]!];
      if (random() < 0.6) {
        concurrent += 1;
        await Promise.all([first.deliver(batch.events, batch.format), second.deliver(batch.events, batch.format)]);
      } else {
        await first.deliver(batch.events, batch.format);
        await second.deliver(batch.events, batch.format);
      }
    }

    await waitFor(
      'every expected alert delivered, nothing pending',
      async () => {
        const state = await readPgState(database!.url);
        const seen = reportedLogIds(world!.slack.messages);
        return state !== undefined && state.pending === 0 && expected.every((id) => seen.has(id));
      },
      { timeoutMs: 90_000, intervalMs: 250, diagnostics: () => world!.diagnostics() },
    );
    // A moment more: anything doubled would be posted by now.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    // Both replicas took batches (each answered 200 for every one of them), many at the same moment.
    expect(concurrent).toBeGreaterThan(10);
    for (const stream of streams) expect(stream.answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(plan.length);
    expect(expected.length).toBeGreaterThan(40);
    const queued = await queuedTimes(database.url);
    expect([...queued.entries()].filter(([, times]) => times !== 1), 'log ids queued by more than one transaction').toEqual([]);
    expect([...queued.keys()].sort()).toEqual([...expected].sort());
    expectReportedExactlyOnce(world.slack.messages.filter((m) => m.metadata?.event_type === 'auth0_log_alert'), expected);
    // Both answered duplicates: the other replica had stored the batch first (the race the guarantee is about happened).
    for (const stream of streams) expect(stream.answers.some((answer) => answer.status === 200 && /"duplicates":[1-9]/.test(answer.body)), 'a replica skipped a batch as seen').toBe(true);

    const exits = await stopGracefully(world);
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expectCleanRun(world);
    expect(world.bots.map((bot) => bot.output()).join('\n')).not.toContain(TOKEN);
  }, 180_000);
});
