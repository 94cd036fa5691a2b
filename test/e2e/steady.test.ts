import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, ensureBuilt, type World } from '../helpers/e2e-harness.js';
import { allReported, expectCleanRun, expectReportedExactlyOnce, stopGracefully, waitUntilSettled } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';

// Scenario 1: steady traffic arriving while the bot runs; every alert posted exactly once.
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('e2e: steady traffic', () => {
  it('posts every expected alert exactly once while logs keep arriving', async () => {
    world = await createWorld({ slack: { perChannel: { limit: 3, windowMs: 1000 } } });
    const traffic = new TrafficGenerator({ seed: 11 });
    const batches = [traffic.steady(200, 4), traffic.steady(150, 3), traffic.steady(150, 3)];
    const expected: string[] = [];
    const add = (batch: (typeof batches)[number]) => {
      const ids = world!.auth0.addEvents(batch);
      expected.push(...ids.filter((_, i) => batch[i]!.type === 'pwd_leak'));
    };
    add(batches[0]!);
    world.start(['run']);
    // Later batches land while the bot is polling, as live traffic does.
    for (const batch of batches.slice(1)) {
      await waitUntilSettled(world, () => allReported(world!, expected));
      add(batch);
    }
    await waitUntilSettled(world, () => allReported(world!, expected));
    const [exit] = await stopGracefully(world);

    expect(expected).toHaveLength(10);
    expectReportedExactlyOnce(world.slack.messages, expected);
    // Each breached password has its own user and IP: ten incidents, none repeated, so no message is edited.
    expect(world.slack.updates).toEqual([]);
    expectCleanRun(world);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 90_000);
});
