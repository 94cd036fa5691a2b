import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countedEvents, createWorld, ensureBuilt, type World } from '../helpers/e2e-harness.js';
import { expectCleanRun, expectReportedExactlyOnce, waitUntilSettled } from '../helpers/e2e-scenario.js';
import { TrafficGenerator, type GeneratedEvent } from '../helpers/e2e-traffic.js';

// Scenario 4: a credential-stuffing flood; a handful of messages, every event counted.
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const FLOOD_IPS = ['203.0.113.7', '203.0.113.8', '203.0.113.9'];
const RULE = 'e2e-brute-force';

describe('e2e: credential-stuffing flood', () => {
  it('posts a handful of channel messages that together count every flood event, each log id listed once', async () => {
    world = await createWorld({ slack: { perChannel: { limit: 2, windowMs: 1000 } } });
    const traffic = new TrafficGenerator({ seed: 44 });
    const events: GeneratedEvent[] = [];
    for (let round = 0; round < 10; round++) {
      events.push(...traffic.steady(50, 0), ...traffic.stuffing({ ips: FLOOD_IPS, users: 400, events: 300 }));
    }
    const flood = events.filter((e) => FLOOD_IPS.includes(String(e.ip))).length;
    const ids = world.auth0.addEvents(events);
    const floodIds = ids.filter((_, i) => FLOOD_IPS.includes(String(events[i]!.ip)));
    world.start(['run']);
    await waitUntilSettled(world, () => countedEvents(world!.slack.messages, RULE) >= flood, 90_000);

    const messages = world.slack.messages;
    const channelMessages = messages.filter((m) => !m.thread_ts);
    if (process.env.E2E_VERBOSE) {
      console.log({ flood, channelMessages: channelMessages.length, messages: messages.length, updates: world.slack.updates.length });
    }
    expect(flood).toBe(3000);
    expect(countedEvents(messages, RULE)).toBe(flood);
    expect(channelMessages.length).toBeGreaterThanOrEqual(1);
    expect(channelMessages.length).toBeLessThanOrEqual(10);
    // Thread replies list at most 100 log ids each (the metadata contract): a handful more than one per 100 events.
    expect(messages.length).toBeLessThanOrEqual(15 + Math.ceil(flood / 100));
    expect(messages.every((m) => (m.metadata?.event_payload.log_ids as string[]).length <= 100)).toBe(true);
    // Every flood event is listed by exactly one message (none cut from a full reply).
    expectReportedExactlyOnce(messages, floodIds);
    // Every offending IP is named, and nothing else was reported.
    const groups = messages.map((m) => JSON.stringify(m.metadata?.event_payload.group ?? {}));
    for (const ip of FLOOD_IPS) expect(groups.some((g) => g.includes(ip)), ip).toBe(true);
    expect(messages.every((m) => m.metadata?.event_payload.rule_id === RULE)).toBe(true);
    expectCleanRun(world);
  }, 120_000);
});
