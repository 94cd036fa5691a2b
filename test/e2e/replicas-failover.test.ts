import { afterEach, beforeAll, expect, it } from 'vitest';
import { LOGS_PATH } from './standins/auth0.js';
import { createWorld, ensureBuilt, reportedLogIds, waitFor, type World } from '../helpers/e2e-harness.js';
import { botOf, expectOnePollerAtATime, firstPollAfter, postsInFlight, readPgState } from '../helpers/e2e-replicas.js';
import { expectCleanRun } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';
import { describePg, tempPgDatabase, type TempPgDatabase } from '../helpers/pg.js';

// Issue 16: two replicas on one PostgreSQL; the one polling the tenant is SIGKILLed
// several times in the middle of a 3,000-event backlog.
let world: World | undefined;
let database: TempPgDatabase | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  await database?.drop();
  world = undefined;
  database = undefined;
});

const KILLS = 3;
/** Issue 16's bound: another replica polls the tenant within 30 s of its holder's death (defaults: lease 15 s + one renewal period). */
const TAKEOVER_BOUND_MS = 30_000;

await describePg('e2e: two replicas on PostgreSQL, the tenant holder killed', () => {
  it('takes over within the bound after each SIGKILL; every alert reported, one process polling at a time', async () => {
    world = await createWorld();
    database = await tempPgDatabase();
    const { auth0, slack } = world;
    const env = { DATABASE_URL: database.url }; // default TENANT_LEASE_MS: the bound under test is the shipped one
    const traffic = new TrafficGenerator({ seed: 16 });
    const backlog = traffic.steady(3000, 30);
    const expected = auth0.addEvents(backlog).filter((_, i) => backlog[i]!.type === 'pwd_leak');
    // 30 pages of 100 at ~0.6 s each: the backlog lasts across the kills.
    auth0.faults.setChaos(LOGS_PATH, 1, [{ kind: 'slow', ms: 600 }], 1);
    slack.faults.setChaos('/api/chat.postMessage', 1, [{ kind: 'slow', ms: 80 }], 2);
    world.start(['run'], env);
    world.start(['run'], env);

    const takeovers: number[] = [];
    let inFlightPosts = 0;
    let since = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      let holder: ReturnType<typeof botOf>;
      await waitFor(
        'a replica polling the tenant, a few pages into the backlog since the last takeover',
        async () => {
          const state = await readPgState(database!.url);
          holder = botOf(world!.bots, Object.values(state?.holders ?? {})[0]);
          const pages = auth0.requests.filter((r) => r.path === LOGS_PATH && r.at > since && r.status === 200).length;
          const checkpoint = Object.values(state?.checkpoints ?? {})[0];
          return holder !== undefined && pages >= 3 && checkpoint !== auth0.lastLogId();
        },
        { timeoutMs: 60_000, intervalMs: 100, diagnostics: () => world!.diagnostics() },
      );
      const killedAt = Date.now();
      holder!.child.kill('SIGKILL');
      await holder!.exited;
      inFlightPosts += postsInFlight(slack.requests, killedAt);
      world.start(['run'], env); // two replicas again
      await waitFor('another replica to poll the tenant', () => firstPollAfter(auth0.requests, killedAt) !== undefined, {
        timeoutMs: TAKEOVER_BOUND_MS + 15_000,
        diagnostics: () => world!.diagnostics(),
      });
      since = firstPollAfter(auth0.requests, killedAt)!.at;
      takeovers.push(since - killedAt);
    }
    expect(Object.values((await readPgState(database.url))?.checkpoints ?? {})[0]).not.toBe(auth0.lastLogId()); // the kills were mid-backlog

    await waitFor(
      'the backlog polled and every alert delivered',
      async () => {
        const state = await readPgState(database!.url);
        const seen = reportedLogIds(slack.messages);
        return Object.values(state?.checkpoints ?? {})[0] === auth0.lastLogId() && state?.pending === 0 && expected.every((id) => seen.has(id));
      },
      { timeoutMs: 120_000, intervalMs: 250, diagnostics: () => world!.diagnostics() },
    );

    if (process.env.E2E_VERBOSE) console.log({ takeovers, inFlightPosts, messages: slack.messages.length });
    for (const ms of takeovers) expect(ms).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    const seen = reportedLogIds(slack.messages);
    expect(expected.filter((id) => !seen.has(id))).toEqual([]);
    expect([...seen.keys()].filter((id) => !expected.includes(id))).toEqual([]);
    // Exactly once — but for a post in flight at a kill instant (Slack may have posted it, the
    // process died before recording it): the one duplicate window the README documents.
    const twice = [...seen.values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(inFlightPosts);
    expectOnePollerAtATime(auth0.requests, 'the tenant');
    expect(world.bots.filter((bot) => bot.isRunning())).toHaveLength(2); // no replica gave up on its own
    expectCleanRun(world);
  }, 240_000);
});
