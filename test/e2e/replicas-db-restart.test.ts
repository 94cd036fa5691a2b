import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGS_PATH } from './standins/auth0.js';
import { createWorld, ensureBuilt, reportedLogIds, waitFor, type World } from '../helpers/e2e-harness.js';
import { readPgState } from '../helpers/e2e-replicas.js';
import { expectCleanRun, expectReportedExactlyOnce } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';
import { pgBinDir, startPgInstance, type PgInstance } from '../helpers/pg-instance.js';

// Issue 16: the database restarted under two running replicas. A server of this
// test's own (initdb in a temp folder), never the machine's shared cluster.
let world: World | undefined;
let server: PgInstance | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  server?.destroy();
  world = undefined;
  server = undefined;
});

const bin = pgBinDir();
const OUTAGE_MS = 8_000; // twice the lease below: every replica has stopped polling by then
const suite = 'missing' in bin && process.env.CI !== 'true' ? describe.skip : describe;
if ('missing' in bin && process.env.CI !== 'true') console.warn(`SKIPPED e2e database restart: ${bin.missing}`);

suite('e2e: the PostgreSQL server restarted under two replicas', () => {
  it('waits while it is down, resumes when it is back, and loses or doubles nothing', async () => {
    server = await startPgInstance();
    world = await createWorld();
    const { auth0, slack } = world;
    const env = { DATABASE_URL: server.url, TENANT_LEASE_MS: '4000' };
    const traffic = new TrafficGenerator({ seed: 5 });
    const backlog = traffic.steady(3000, 30);
    const expected = auth0.addEvents(backlog).filter((_, i) => backlog[i]!.type === 'pwd_leak');
    auth0.faults.setChaos(LOGS_PATH, 1, [{ kind: 'slow', ms: 300 }], 1);
    world.start(['run'], env);
    world.start(['run'], env);

    await waitFor('some of the backlog committed and some alerts posted', async () => {
      const state = await readPgState(server!.url);
      return (state?.sent ?? 0) >= 3 && Object.values(state?.checkpoints ?? {})[0] !== auth0.lastLogId();
    }, { timeoutMs: 60_000, diagnostics: () => world!.diagnostics() });
    server.stop();
    const downAt = Date.now();
    expect(await readPgState(server.url)).toBeUndefined(); // it is down
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const pollsWhileDown = auth0.requests.filter((r) => r.path === LOGS_PATH && r.at > downAt + 4_000).length;
    server.start();

    await waitFor(
      'the backlog polled and every alert delivered after the restart',
      async () => {
        const state = await readPgState(server!.url);
        const seen = reportedLogIds(slack.messages);
        return Object.values(state?.checkpoints ?? {})[0] === auth0.lastLogId() && state?.pending === 0 && expected.every((id) => seen.has(id));
      },
      { timeoutMs: 120_000, intervalMs: 250, diagnostics: () => world!.diagnostics() },
    );
    expectReportedExactlyOnce(slack.messages, expected);
    // Polling stopped within the lease once renewals failed, and both replicas waited instead of exiting.
    expect(pollsWhileDown).toBe(0);
    expect(world.bots.every((bot) => bot.isRunning())).toBe(true);
    expect(world.bots.map((bot) => bot.output()).join('\n')).toMatch(/cannot reach the state database/);
    expectCleanRun(world);
  }, 240_000);
});
