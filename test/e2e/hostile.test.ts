import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RAW_JSON } from './standins/auth0.js';
import { CLI, createWorld, ensureBuilt, waitFor, type World } from '../helpers/e2e-harness.js';
import { allReported, expectCleanRun, expectInert, expectReportedExactlyOnce, waitUntilSettled } from '../helpers/e2e-scenario.js';
import { TrafficGenerator, type GeneratedEvent } from '../helpers/e2e-traffic.js';

/**
 * Scenario 6 (issue 11): a page of hostile events — odd field types, a 10,000-level
 * nesting, megabyte values, prototype keys, backtracking bait for a user regex rule —
 * in the middle of normal traffic, then an Auth0 error that echoes the bearer token.
 * Every security event is alerted exactly once, the bot keeps polling and answering
 * /healthz, and the echoed token reaches no log line, state file, status or /healthz.
 */
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const DEEP = `${'{"d":'.repeat(10_000)}"bottom"${'}'.repeat(10_000)}`;
const HEALTH_PORT = 20_000 + Math.floor(Math.random() * 20_000);

function hostilePage(traffic: TrafficGenerator): { events: GeneratedEvent[]; alerted: boolean[] } {
  const breached = () => traffic.breachedPassword();
  const blocked = (user_name: unknown): GeneratedEvent => ({ ...traffic.login(), type: 'limit_wc', user_name, description: 'Blocked account' });
  const withProto = breached();
  Object.defineProperty(withProto, '__proto__', { value: { admin: true }, enumerable: true, writable: true, configurable: true });
  const page: Array<[GeneratedEvent, boolean]> = [
    [{ ...breached(), user_name: 42 }, true],
    [{ ...breached(), user_name: { first: 'x', last: 'y' }, ip: { v4: '198.18.9.9' }, description: ['x'], connection: 7, client_name: false, hostname: {}, user_agent: null }, true],
    [{ ...breached(), user_name: ['c@example.com'], location_info: 'Amsterdam', scope: ['read:users', 42, null] }, true],
    [{ ...breached(), [RAW_JSON]: { details: DEEP, user_agent: DEEP } }, true],
    [{ ...breached(), user_name: `${'A'.repeat(2_000_000)}@example.com`, description: 'd'.repeat(1_000_000) }, true],
    [withProto, true],
    // The user regex rule: bait a backtracking engine could not finish, and a real match.
    [blocked(`${'a'.repeat(5_000)}!`), false],
    [blocked('aaaa'), true],
    // Noise that matches no rule, with odd types too.
    [{ ...traffic.login(), user_name: { nested: { deeper: [1, 2, 3] } }, isMobile: 'yes' }, false],
  ];
  return { events: page.map(([event]) => event), alerted: page.map(([, alerted]) => alerted) };
}

async function health(): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${HEALTH_PORT}/healthz`);
  return { status: response.status, body: await response.text() };
}

describe('e2e: hostile log data', () => {
  it('alerts every security event once, keeps polling and answering /healthz, and never shows an echoed token', async () => {
    world = await createWorld();
    const traffic = new TrafficGenerator({ seed: 66 });
    const before = traffic.steady(60, 2);
    const hostile = hostilePage(traffic);
    const all = [...before, ...hostile.events];
    const ids = world.auth0.addEvents(all);
    const expected = ids.filter((_, i) => (i < before.length ? all[i]!.type === 'pwd_leak' : hostile.alerted[i - before.length]));
    world.start(['run'], { HEALTH_PORT: String(HEALTH_PORT) });
    await waitUntilSettled(world, () => allReported(world!, expected));
    expect((await health()).status).toBe(200);

    // Auth0 answers one poll with an error body echoing the Authorization header.
    world.auth0.faults.push('/api/v2/logs', { kind: 'echo', status: 400 });
    await waitFor('the echo fault to fire', () => world!.auth0.requests.some((r) => r.fault === 'echo'), { diagnostics: world.diagnostics });
    // The bot keeps polling: traffic added afterwards is alerted too.
    const after = traffic.steady(60, 2);
    const afterIds = world.auth0.addEvents(after);
    const all2 = [...expected, ...afterIds.filter((_, i) => after[i]!.type === 'pwd_leak')];
    await waitUntilSettled(world, () => allReported(world!, all2));

    expect(world.bots[0]!.isRunning()).toBe(true);
    expectReportedExactlyOnce(world.slack.messages, all2);
    expectInert(world);
    expectCleanRun(world);
    const output = world.bots[0]!.output();
    // The failure was reported (scrubbed), and the next cycle went on.
    expect(output).toMatch(/"error":"Auth0 GET \/api\/v2\/logs returned 400: request rejected".*poll cycle failed/);

    // Public /healthz: ok or degraded and a generic reason; never tenant names or errors.
    const probe = await health();
    expect(probe.status).toBe(200);
    expect(JSON.parse(probe.body)).toEqual({ status: 'ok' });

    // The echoed token is nowhere: logs, state files (database and WAL), status.
    const status = spawnSync(process.execPath, [CLI, 'status', '--json'], { env: { PATH: process.env.PATH ?? '', STATE_DB: world.stateDb, HOME: world.dir }, cwd: world.dir, encoding: 'utf8' });
    const stored = [world.stateDb, `${world.stateDb}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1'));
    const tokens = world.auth0.issuedTokens();
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of [...tokens, world.auth0.clientSecret, world.slack.token]) {
      for (const [where, text] of [['logs', output], ['state', stored.join('')], ['status', status.stdout + status.stderr], ['/healthz', probe.body]] as const) {
        expect(text.includes(token), `${where} contains a secret`).toBe(false);
      }
    }
  }, 120_000);
});
