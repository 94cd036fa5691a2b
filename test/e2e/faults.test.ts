import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGS_PATH, TOKEN_PATH } from './standins/auth0.js';
import { createWorld, ensureBuilt, type World } from '../helpers/e2e-harness.js';
import { allReported, expectCleanRun, expectReportedExactlyOnce, waitUntilSettled } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';

// Scenario 2: 429 storms and 5xx bursts on both sides; nothing lost, nothing duplicated.
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const POST = '/api/chat.postMessage';

describe('e2e: faults on both sides', () => {
  it('loses and duplicates nothing through 429 storms, 5xx bursts, resets and slow answers', async () => {
    world = await createWorld();
    const { auth0, slack } = world;
    const traffic = new TrafficGenerator({ seed: 22 });
    const first = traffic.steady(400, 6);
    const second = traffic.steady(200, 4);
    const expected: string[] = [];
    const add = (batch: typeof first) =>
      expected.push(...auth0.addEvents(batch).filter((_, i) => batch[i]!.type === 'pwd_leak'));

    // Start-up: the token endpoint fails, then the logs API storms and bursts.
    auth0.faults.push(TOKEN_PATH, { kind: 'status', status: 503 }, 2);
    auth0.faults.push(LOGS_PATH, { kind: 'status', status: 429, retryAfterSeconds: 1 }, 3);
    auth0.faults.push(LOGS_PATH, { kind: 'status', status: 500 }, 3);
    auth0.faults.push(LOGS_PATH, { kind: 'reset' }, 2);
    auth0.faults.push(LOGS_PATH, { kind: 'slow', ms: 1500 });
    // Slack: a 429 storm on one message, then a 5xx burst and a reset on the next ones
    // (a `pass` between them, so each message's own backoff stays short).
    slack.faults.push(POST, { kind: 'status', status: 429, retryAfterSeconds: 1 }, 3);
    slack.faults.push(POST, { kind: 'pass' });
    slack.faults.push(POST, { kind: 'status', status: 500 }, 2);
    slack.faults.push(POST, { kind: 'pass' });
    slack.faults.push(POST, { kind: 'reset' });
    add(first);
    world.start(['run']);
    await waitUntilSettled(world, () => allReported(world!, expected) && auth0.faults.pending === 0 && slack.faults.pending === 0);
    // Phase 1 played exactly the queued faults (11 on Auth0, 6 on Slack) and issued one token.
    const slackFaults = (requests: typeof slack.requests) => requests.filter((r) => r.fault && r.fault !== 'pass').length;
    expect(auth0.requests.filter((r) => r.fault).length).toBe(11);
    expect(slackFaults(slack.requests)).toBe(6);
    expect(auth0.tokensIssued()).toBe(1);
    const phase1 = { auth0: auth0.requests.length, slack: slack.requests.length };

    // Live traffic under seeded chaos on both sides, and an expired token.
    auth0.revokeTokens();
    auth0.faults.setChaos(LOGS_PATH, 0.3, [
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
      { kind: 'status', status: 502 },
      { kind: 'reset' },
    ], 2);
    slack.faults.setChaos(POST, 0.3, [{ kind: 'status', status: 429, retryAfterSeconds: 1 }, { kind: 'status', status: 503 }], 3);
    add(second);
    await waitUntilSettled(world, () => allReported(world!, expected), 90_000);

    // Phase 2 demonstrably ran its faults: chaos fired on both sides (seeds 2 and 3 fail the 3rd
    // logs request and the 2nd post), the revoked token was refused, and the bot got a second one.
    const auth0Phase2 = auth0.requests.slice(phase1.auth0);
    expect(auth0Phase2.filter((r) => r.fault).length, 'Auth0 chaos faults in phase 2').toBeGreaterThan(0);
    expect(slackFaults(slack.requests.slice(phase1.slack)), 'Slack chaos faults in phase 2').toBeGreaterThan(0);
    expect(auth0Phase2.some((r) => r.path === LOGS_PATH && r.status === 401), 'the revoked token was refused').toBe(true);
    expect(auth0.tokensIssued(), 'tokens issued: one at start, one after the revocation').toBe(2);
    expectReportedExactlyOnce(slack.messages, expected);
    expectCleanRun(world);
  }, 120_000);
});
