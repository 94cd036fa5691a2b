import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, ensureBuilt, type World } from '../helpers/e2e-harness.js';
import {
  allReported,
  expectCleanRun,
  expectInert,
  expectReportedExactlyOnce,
  waitUntilSettled,
} from '../helpers/e2e-scenario.js';
import { HOSTILE_USER_NAME, TrafficGenerator } from '../helpers/e2e-traffic.js';

// Scenario 5: malformed events and hostile strings; the bot goes on, hostile strings render inert.
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('e2e: bad data', () => {
  it('skips malformed events, alerts on the rest, and renders hostile strings inert', async () => {
    world = await createWorld();
    const traffic = new TrafficGenerator({ seed: 55 });
    const before = traffic.steady(100, 2);
    const malformed = traffic.malformed();
    const hostile = traffic.hostile();
    const after = traffic.steady(100, 2);
    const all = [...before, ...malformed, ...hostile, ...after];
    const ids = world.auth0.addEvents(all);
    // Only well-formed breached-password events count: the malformed ones carry pwd_leak too.
    const expected = ids.filter((_, i) => all[i]!.type === 'pwd_leak' && !malformed.includes(all[i]!));
    world.start(['run']);
    await waitUntilSettled(world, () => allReported(world!, expected));

    expect(expected).toHaveLength(7);
    expect(world.bots[0]!.isRunning()).toBe(true);
    expectReportedExactlyOnce(world.slack.messages, expected);
    expectInert(world);
    // The hostile user name still shows, literally (escaped), somewhere in the message.
    const hostileMessage = world.slack.messages.find((m) => JSON.stringify(m.blocks).includes('evil.example'));
    expect(hostileMessage, `no message shows ${HOSTILE_USER_NAME}`).toBeDefined();
    expectCleanRun(world);
  }, 90_000);
});
