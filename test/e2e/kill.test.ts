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

describe('e2e: killed and restarted', () => {
  it('loses no alert and duplicates at most one per kill across five SIGKILLs', async () => {
    world = await createWorld();
    const { auth0, slack } = world;
    const traffic = new TrafficGenerator({ seed: 33 });
    const backlog = traffic.steady(3000, 30);
    const expected = auth0.addEvents(backlog).filter((_, i) => backlog[i]!.type === 'pwd_leak');
    // Slow pages and posts stretch the work so that kills land in the middle of it.
    auth0.faults.setChaos(LOGS_PATH, 1, [{ kind: 'slow', ms: 120 }], 1);
    slack.faults.setChaos('/api/chat.postMessage', 1, [{ kind: 'slow', ms: 80 }], 2);

    const random = seededRandom(3);
    const killedAt: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const bot = world.start(['run']);
      // Until the first page is requested, a kill tests nothing but start-up.
      const requestsBefore = auth0.requests.length;
      await waitFor('the bot to poll', () => auth0.requests.length > requestsBefore + 1 || !bot.isRunning(), {
        timeoutMs: 15_000,
        diagnostics: () => world!.diagnostics(),
      });
      await new Promise((r) => setTimeout(r, 100 + Math.floor(random() * 1500)));
      bot.child.kill('SIGKILL');
      await bot.exited;
      killedAt.push(`${world.state()?.checkpoint ?? 'none'} / ${slack.messages.length} messages`);
    }
    world.start(['run']);
    await waitUntilSettled(world, () => allReported(world!, expected), 90_000);

    const seen = reportedLogIds(slack.messages);
    const missing = expected.filter((id) => !seen.has(id));
    expect(missing, `kills at: ${killedAt.join(', ')}`).toEqual([]);
    // A duplicate is a message re-reporting ids already reported: only the post in flight at a kill.
    const reported = new Set<string>();
    let duplicates = 0;
    for (const message of slack.messages) {
      const ids = (message.metadata?.event_payload.log_ids as string[] | undefined) ?? [];
      if (ids.some((id) => reported.has(id))) duplicates++;
      ids.forEach((id) => reported.add(id));
    }
    if (process.env.E2E_VERBOSE) console.log({ killedAt, messages: slack.messages.length, expected: expected.length, duplicates });
    expect(duplicates).toBeLessThanOrEqual(KILLS);
    expect([...seen.keys()].every((id) => expected.includes(id))).toBe(true);
    expectCleanRun(world);
  }, 150_000);
});
