import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { startAuth0StandIn, type Auth0StandIn } from './standins/auth0.js';
import { createWorld, ensureBuilt, reportedLogIds, waitFor, type World } from '../helpers/e2e-harness.js';
import { expectOnePollerAtATime, readPgState } from '../helpers/e2e-replicas.js';
import { expectCleanRun, expectReportedExactlyOnce } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';
import { describePg, tempPgDatabase, type TempPgDatabase } from '../helpers/pg.js';
import { freePort } from './standins/log-stream.js';

// Issue 16: 20 tenants shared out across 3 replicas on one PostgreSQL.
let world: World | undefined;
let database: TempPgDatabase | undefined;
const tenants: Auth0StandIn[] = [];
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  await Promise.all(tenants.splice(0).map((tenant) => tenant.close()));
  await database?.drop();
  world = undefined;
  database = undefined;
});

const TENANTS = 20;
const REPLICAS = 3;

await describePg('e2e: 20 tenants across 3 replicas on PostgreSQL', () => {
  it('polls each tenant from one process at a time, spreads them, and reports every alert exactly once', async () => {
    world = await createWorld();
    database = await tempPgDatabase();
    for (let i = 0; i < TENANTS; i++) tenants.push(await startAuth0StandIn());
    const file = join(world.dir, 'tenants.yml');
    writeFileSync(
      file,
      `tenants:\n${tenants
        .map((t, i) => `  - name: t${String(i).padStart(2, '0')}\n    domain: ${t.url}\n    client_id: ${t.clientId}\n    client_secret_env: E2E_TENANT_SECRET\n`)
        .join('')}`,
    );
    const env = { DATABASE_URL: database.url, TENANTS_FILE: file, E2E_TENANT_SECRET: tenants[0]!.clientSecret, TENANT_LEASE_MS: '3000' };
    const expected: string[] = [];
    const traffic = new TrafficGenerator({ seed: 20 });
    const add = (events: number, breached: number) => {
      for (const tenant of tenants) {
        const batch = traffic.steady(events, breached);
        expected.push(...tenant.addEvents(batch).filter((_, i) => batch[i]!.type === 'pwd_leak'));
      }
    };
    add(300, 3); // a backlog per tenant
    const healthPorts: number[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      healthPorts.push(await freePort());
      world.start(['run'], { ...env, HEALTH_PORT: String(healthPorts[i]) });
    }

    // Live traffic while leases settle and the replicas hand tenants to each other.
    for (let round = 0; round < 8; round++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      add(20, 1);
    }
    await waitFor(
      'every tenant caught up and every alert delivered',
      async () => {
        const state = await readPgState(database!.url);
        const seen = reportedLogIds(world!.slack.messages);
        const caughtUp = tenants.every((t, i) => state?.checkpoints[`t${String(i).padStart(2, '0')}`] === t.lastLogId());
        return caughtUp && state?.pending === 0 && expected.every((id) => seen.has(id));
      },
      { timeoutMs: 150_000, intervalMs: 500, diagnostics: () => world!.diagnostics() },
    );

    expectReportedExactlyOnce(world.slack.messages, expected);
    for (const [i, tenant] of tenants.entries()) expectOnePollerAtATime(tenant.requests, `t${i}`);
    // Settled: every tenant held, no replica above its share, all three polling. With a 3 s lease
    // renewed every second, a renewal late on a loaded machine makes its holder pause its tenants
    // for a moment (it stops before its lease could end): wait for a settled moment, don't sample one.
    type Health = { replica: { id: string; polling: number; replicas: number } };
    let holders: string[] = [];
    let perReplica: number[] = [];
    let health: Health[] = [];
    await waitFor(
      'leases settled: every tenant held and polled, by all three replicas, none above its share',
      async () => {
        holders = Object.values((await readPgState(database!.url))!.holders);
        perReplica = [...new Set(holders)].map((owner) => holders.filter((h) => h === owner).length);
        // Each replica's /healthz says who it is and how many tenants it polls (never which).
        health = await Promise.all(healthPorts.map(async (port) => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Health));
        const polled = health.reduce((n, h) => n + h.replica.polling, 0);
        return holders.length === TENANTS && perReplica.length === REPLICAS && perReplica.every((held) => held <= Math.ceil(TENANTS / REPLICAS)) && polled === TENANTS;
      },
      { timeoutMs: 30_000, intervalMs: 500, diagnostics: () => JSON.stringify({ holders, health }) },
    );
    expect(holders).toHaveLength(TENANTS);
    expect(perReplica).toHaveLength(REPLICAS);
    for (const held of perReplica) expect(held).toBeLessThanOrEqual(Math.ceil(TENANTS / REPLICAS));
    expect(health.map((h) => h.replica.replicas)).toEqual([REPLICAS, REPLICAS, REPLICAS]);
    expect(new Set(health.map((h) => h.replica.id)).size).toBe(REPLICAS);
    expect(health.reduce((n, h) => n + h.replica.polling, 0)).toBe(TENANTS);
    expect(JSON.stringify(health)).not.toMatch(/t\d\d/); // no tenant names on the public probe
    expect(world.bots.every((bot) => bot.isRunning())).toBe(true);
    expectCleanRun(world);
  }, 240_000);
});
