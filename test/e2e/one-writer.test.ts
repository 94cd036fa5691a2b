import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, ensureBuilt, type World } from '../helpers/e2e-harness.js';
import { expectCleanRun, expectReportedExactlyOnce } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';

// Issue #10 §1: two `run --once` on one STATE_DB (cron starting the next run
// while the last one still drains a slow Slack) never post an alert twice.
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('e2e: one writer per state database', () => {
  it('two overlapping run --once processes post each alert exactly once; the second says the channel is taken', async () => {
    world = await createWorld();
    const traffic = new TrafficGenerator({ seed: 71 });
    const batch = traffic.steady(150, 15);
    const expected = world.auth0.addEvents(batch).filter((_, i) => batch[i]!.type === 'pwd_leak');
    // A slow Slack: every post takes 300 ms, so the first drain lasts several seconds.
    world.slack.faults.setChaos('/api/chat.postMessage', 1, [{ kind: 'slow', ms: 300 }], 7);

    const first = world.start(['run', '--once']);
    const firstPost = world.slack.messages.length;
    // The second starts while the first is posting.
    const deadline = Date.now() + 20_000;
    while (world.slack.messages.length === firstPost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const second = world.start(['run', '--once']);
    const [a, b] = await Promise.all([first.exited, second.exited]);

    // The setup ran: the runs overlapped and the second found the channel taken by the first.
    expect(world.slack.messages.length).toBeGreaterThan(firstPost);
    expect(second.output()).toMatch(/another auth0-log-alerts process \(.*\) is delivering to #security-alerts; this one skips it/);
    expectReportedExactlyOnce(world.slack.messages, expected);
    expect(a).toEqual({ code: 0, signal: null });
    // The second queued nothing new and left the channel to the first: not a failed run.
    expect(b).toEqual({ code: 0, signal: null });
    expectCleanRun(world);
  }, 90_000);
});
