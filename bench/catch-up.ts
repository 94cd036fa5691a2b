import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuth0StandIn, makeLogId } from '../test/e2e/standins/auth0.js';
import { readState, REPO_ROOT } from '../test/helpers/e2e-harness.js';
import { readPgState } from '../test/helpers/e2e-replicas.js';
import { tempPgDatabase } from '../test/helpers/pg.js';
import { TrafficGenerator } from '../test/helpers/e2e-traffic.js';
import { runMeasured } from './measure.js';

export interface CatchUpResult {
  events: number;
  botSeconds: number;
  /** Alerts the rules queued from the backlog (traffic is chosen to queue few). */
  alertsQueued: number;
  botPeakRssMb: number;
  /** CPU seconds of each process (diagnostic: steadier than wall time on a loaded machine). */
  botCpuSeconds: number;
  bareCpuSeconds: number;
  bareSeconds: number;
  barePeakRssMb: number;
  ratio: number;
  /** The same backlog with the state in PostgreSQL (undefined: no server reachable, or not asked). */
  postgres?: { botSeconds: number; botPeakRssMb: number; alertsQueued: number; ratioToSqlite: number };
}

const START = '2024-05-01T11:00:00Z';

/**
 * Works through `total` backlog events with the bot's built polling pipeline
 * (bench/catch-up-worker.mjs: one unbounded poll cycle, no Slack) and, in the
 * same run, with a bare paging loop against the same stand-in.
 */
export async function benchCatchUp(rulesDir: string, total = 200_000, profileDir?: string, withPostgres = false): Promise<CatchUpResult> {
  const auth0 = await startAuth0StandIn({ logsPerSecond: 100_000 });
  const dir = mkdtempSync(join(tmpdir(), 'auth0-log-alerts-bench-'));
  try {
    const traffic = new TrafficGenerator({ seed: 9, gapMs: 200 });
    for (let added = 0; added < total; added += 10_000) auth0.addEvents(traffic.steady(Math.min(10_000, total - added), 2));
    const last = auth0.lastLogId();

    const bare = await runMeasured(
      [join(REPO_ROOT, 'bench', 'bare-pager.mjs'), auth0.url, auth0.clientId, auth0.clientSecret, makeLogId(Date.parse(START), 0)],
      {},
      REPO_ROOT,
    );
    if (bare.code !== 0 || !bare.output.includes(`"events":${total}`)) throw new Error(`bare pager failed:\n${bare.output}`);

    const stateDb = join(dir, 'state.db');
    const env = {
      AUTH0_DOMAIN: auth0.url,
      AUTH0_CLIENT_ID: auth0.clientId,
      AUTH0_CLIENT_SECRET: auth0.clientSecret,
      ALERT_CHANNEL: '#security-alerts',
      STATE_DB: stateDb,
      RULES_DIR: rulesDir,
      START_FROM: START,
      LOG_LEVEL: 'warn',
      HOME: dir,
    };
    // --profile DIR: a V8 CPU profile of the bot's side, to find where the overhead goes.
    const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
    const bot = await runMeasured([...profile, join(REPO_ROOT, 'bench', 'catch-up-worker.mjs')], env, dir);
    const state = readState(stateDb);
    if (bot.code !== 0 || !state || state.checkpoint !== last) {
      throw new Error(`the poll cycle did not reach the end (exit ${bot.code}, state ${JSON.stringify(state)}):\n${bot.output.slice(-3000)}`);
    }
    const result: CatchUpResult = {
      events: total,
      botSeconds: bot.ms / 1000,
      alertsQueued: state.pending + state.sent + state.failed,
      botPeakRssMb: bot.peakRssMb,
      botCpuSeconds: bot.cpuSeconds,
      bareCpuSeconds: bare.cpuSeconds,
      bareSeconds: bare.ms / 1000,
      barePeakRssMb: bare.peakRssMb,
      ratio: bot.ms / bare.ms,
    };
    if (withPostgres) {
      // The same worker and backlog, the state in a fresh PostgreSQL database.
      const database = await tempPgDatabase();
      try {
        const pg = await runMeasured([join(REPO_ROOT, 'bench', 'catch-up-worker.mjs')], { ...env, DATABASE_URL: database.url }, dir);
        const pgState = await readPgState(database.url);
        const checkpoint = Object.values(pgState?.checkpoints ?? {})[0];
        if (pg.code !== 0 || !pgState || checkpoint !== last) {
          throw new Error(`the poll cycle on PostgreSQL did not reach the end (exit ${pg.code}):\n${pg.output.slice(-3000)}`);
        }
        result.postgres = {
          botSeconds: pg.ms / 1000,
          botPeakRssMb: pg.peakRssMb,
          alertsQueued: pgState.pending + pgState.sent + pgState.failed,
          ratioToSqlite: pg.ms / bot.ms,
        };
      } finally {
        await database.drop();
      }
    }
    return result;
  } finally {
    await auth0.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
