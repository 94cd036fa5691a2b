import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuth0StandIn, type Auth0StandIn } from '../test/e2e/standins/auth0.js';
import { startSlackStandIn } from '../test/e2e/standins/slack.js';
import { startBot, type BotProcess } from '../test/helpers/e2e-harness.js';
import { readPgState } from '../test/helpers/e2e-replicas.js';
import { TrafficGenerator } from '../test/helpers/e2e-traffic.js';
import { tempPgDatabase } from '../test/helpers/pg.js';

export interface ScalingResult {
  tenants: number;
  replicas: number;
  events: number;
  /** From the replicas' start until every tenant's checkpoint reached its last event. */
  seconds: number;
  eventsPerSecond: number;
  /** The most tenants one replica held at a time, sampled (≤ ceil(tenants / replicas) once all are up). */
  mostHeldByOne: number;
}

const START = '2024-05-01T11:00:00Z';

/**
 * Tenant scaling on PostgreSQL: `tenants` Auth0 stand-ins with `eventsPerTenant`
 * backlog events each, worked through by `replicas` bot processes (`run`, the
 * built CLI) sharing one database — from their start (leases taken, handed
 * over as replicas join) until every tenant is caught up.
 */
export async function benchTenantScaling(rulesDir: string, tenants: number, replicas: number, eventsPerTenant: number): Promise<ScalingResult> {
  const standIns: Auth0StandIn[] = [];
  const slack = await startSlackStandIn();
  const database = await tempPgDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-bench-scaling-'));
  const bots: BotProcess[] = [];
  try {
    const traffic = new TrafficGenerator({ seed: 3, gapMs: 200 });
    for (let i = 0; i < tenants; i++) {
      const standIn = await startAuth0StandIn({ logsPerSecond: 100_000 });
      standIn.addEvents(traffic.steady(eventsPerTenant, 2));
      standIns.push(standIn);
    }
    const name = (i: number) => `t${String(i).padStart(3, '0')}`;
    const file = join(dir, 'tenants.yml');
    writeFileSync(
      file,
      `tenants:\n${standIns.map((t, i) => `  - name: ${name(i)}\n    domain: ${t.url}\n    client_id: ${t.clientId}\n    client_secret_env: BENCH_SECRET\n`).join('')}`,
    );
    const env = {
      TENANTS_FILE: file,
      BENCH_SECRET: standIns[0]!.clientSecret,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      ALERT_CHANNEL: '#security-alerts',
      DATABASE_URL: database.url,
      RULES_DIR: rulesDir,
      START_FROM: START,
      POLL_SCHEDULE: '*/1 * * * * *',
      LOG_LEVEL: 'warn',
    };
    const started = performance.now();
    for (let r = 0; r < replicas; r++) bots.push(startBot(['run'], env, dir));
    let mostHeldByOne = 0;
    for (;;) {
      const state = await readPgState(database.url);
      if (state) {
        const owners = Object.values(state.holders);
        for (const owner of new Set(owners)) mostHeldByOne = Math.max(mostHeldByOne, owners.filter((o) => o === owner).length);
        if (standIns.every((t, i) => state.checkpoints[name(i)] === t.lastLogId())) break;
      }
      const dead = bots.find((bot) => !bot.isRunning());
      if (dead) throw new Error(`a replica exited:\n${dead.output().slice(-3000)}`);
      if (performance.now() - started > 600_000) throw new Error('tenants not caught up within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const events = tenants * eventsPerTenant;
    return { tenants, replicas, events, seconds, eventsPerSecond: events / seconds, mostHeldByOne };
  } finally {
    for (const bot of bots) if (bot.isRunning()) bot.child.kill('SIGTERM');
    await Promise.all(bots.map((bot) => bot.exited));
    await Promise.all([...standIns.map((t) => t.close()), slack.close()]);
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
