import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGS_PATH } from './standins/auth0.js';
import { seededRandom } from './standins/http.js';
import { createWorld, ensureBuilt, reportedLogIds, waitFor, type World } from '../helpers/e2e-harness.js';
import { allReported, expectCleanRun, waitUntilSettled } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';

// Scenario 3: SIGKILL at seeded random moments while working through a backlog.
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const KILLS = 5;
/**
 * The bot posts to one channel (ALERT_CHANNEL) and has at most one post in
 * flight per channel: a kill can duplicate at most that one message — the
 * bound per restart, not a total that five duplicates from one kill would pass.
 */
const MAX_DUPLICATES_PER_KILL = 1;

describe('e2e: killed and restarted', () => {
  it('loses no alert and duplicates at most one message per kill, with kills landing after Slack took a message but before it answered', async () => {
    world = await createWorld();
    const { auth0, slack } = world;
    const traffic = new TrafficGenerator({ seed: 33 });
    const backlog = traffic.steady(3000, 30);
    const expected = auth0.addEvents(backlog).filter((_, i) => backlog[i]!.type === 'pwd_leak');
    auth0.faults.setChaos(LOGS_PATH, 1, [{ kind: 'slow', ms: 60 }], 1);
    // Slack records each post at once but answers 400 ms later: the window where a
    // killed bot has posted and not yet recorded it (the only one that can duplicate).
    slack.faults.setChaos('/api/chat.postMessage', 1, [{ kind: 'late', ms: 400 }], 2);

    const random = seededRandom(3);
    /** Per run: messages Slack had recorded when it started, and when it was killed. */
    const runs: Array<{ from: number; killedAt?: number; inFlight?: boolean }> = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const from = slack.messages.length;
      const bot = world.start(['run']);
      runs.push({ from });
      // Kill only once this run has had a message recorded by Slack: then a post is (nearly always) in flight.
      await waitFor('the bot to post', () => slack.messages.length > from || !bot.isRunning(), { timeoutMs: 30_000, diagnostics: () => world!.diagnostics() });
      await new Promise((r) => setTimeout(r, 50 + Math.floor(random() * 300)));
      // A post Slack has taken (recorded, status decided) but not yet answered when the kill lands.
      const inFlight = slack.requests.some((r) => r.path === '/api/chat.postMessage' && r.status === 200 && r.answeredAt === undefined);
      bot.child.kill('SIGKILL');
      await bot.exited;
      runs[kill]!.killedAt = slack.messages.length;
      runs[kill]!.inFlight = inFlight;
    }
    slack.faults.clear();
    runs.push({ from: slack.messages.length });
    world.start(['run']);
    await waitUntilSettled(world, () => allReported(world!, expected), 90_000);

    // Every kill landed after the run had posted: a kill during start-up tests nothing.
    for (const [index, run] of runs.slice(0, KILLS).entries()) expect(run.killedAt!, `run ${index} was killed before it posted`).toBeGreaterThan(run.from);
    // At least one kill hit the window after Slack recorded and before the bot heard back.
    expect(runs.some((run) => run.inFlight)).toBe(true);

    const seen = reportedLogIds(slack.messages);
    expect(expected.filter((id) => !seen.has(id))).toEqual([]);
    expect([...seen.keys()].every((id) => expected.includes(id))).toBe(true);
    // A duplicate re-reports ids already reported; it is posted by the run after the kill that caused it.
    const reported = new Set<string>();
    const duplicatesByRun = runs.map(() => 0);
    slack.messages.forEach((message, index) => {
      const ids = (message.metadata?.event_payload.log_ids as string[] | undefined) ?? [];
      const run = runs.findLastIndex((r) => r.from <= index);
      if (ids.some((id) => reported.has(id))) duplicatesByRun[run]! += 1;
      ids.forEach((id) => reported.add(id));
    });
    if (process.env.E2E_VERBOSE) console.log({ runs, duplicatesByRun, messages: slack.messages.length, expected: expected.length });
    expect(duplicatesByRun[0], 'the first run follows no kill').toBe(0);
    for (const [run, duplicates] of duplicatesByRun.entries()) expect(duplicates, `duplicates after kill ${run}`).toBeLessThanOrEqual(MAX_DUPLICATES_PER_KILL);
    expectCleanRun(world);
  }, 180_000);
});
