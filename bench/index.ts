import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/e2e-harness.js';
import { benchCatchUp, type CatchUpResult } from './catch-up.js';
import { benchDrain, type DrainResult } from './drain.js';
import { benchEvaluate, benchFlood, type EvaluateResult, type FloodResult } from './evaluate.js';
import { benchProfiles, type ProfilesResult } from './profiles.js';
import { benchLatency, benchStreamIntake, type LatencyResult, type StreamIntakeResult } from './stream.js';
import { HOSTILE_TARGETS, benchHostile, type HostileResult } from './hostile.js';
import { benchTenantScaling, type ScalingResult } from './tenant-scaling.js';
import { pgUnavailable, tempPgDatabase } from '../test/helpers/pg.js';
import { benchReplay, type ReplayResult } from './replay.js';

/**
 * `npm run bench [-- --json] [-- --only evaluate,flood,profiles,catch-up,drain,hostile,stream,replay,scaling] [-- --events N] [-- --users N] [-- --replay-large N] [-- --profile DIR]`:
 * rule evaluation throughput (steady traffic, and a 100,000-IP flood), the
 * memory of 1,000,000 users' profiles, catch-up cost against a bare paging
 * loop, the outbox drain rate, hostile input, the log stream (intake
 * throughput; POST → Slack latency beside the poll path's), and replay
 * against a bare read-and-parse loop (plus its peak RSS on a large file).
 * Not part of `npm test`: timings belong here, not in tests. With PostgreSQL
 * (PG_TEST_URL or the machine's): catch-up and stream intake on PostgreSQL
 * beside SQLite, and tenant scaling (1/10/50 tenants over 1 and 3 replicas).
 */
const TARGETS = {
  eventsPerSecond: 500_000,
  floodEventsPerSecond: 100_000,
  catchUpRatio: 1.5,
  peakRssMb: 200,
  streamP99Ms: 1_000,
  replayRatio: 1.3,
};

interface Report {
  evaluate?: EvaluateResult;
  /** The same traffic in batches of 10,000: shows how much is per-call overhead. */
  evaluateLargeBatches?: EvaluateResult;
  flood?: FloodResult;
  profiles?: ProfilesResult;
  catchUp?: CatchUpResult;
  drain?: DrainResult[];
  streamIntake?: StreamIntakeResult;
  /** The same intake with the state in PostgreSQL. */
  streamIntakePostgres?: StreamIntakeResult;
  latency?: LatencyResult[];
  hostile?: HostileResult;
  /** Tenant scaling on PostgreSQL: 1, 10, 50 tenants over 1 and 3 replicas. */
  scaling?: ScalingResult[];
  /** Why the PostgreSQL measures were skipped (no server reachable at PG_TEST_URL). */
  postgresSkipped?: string;
  replay?: ReplayResult;
  targets: typeof TARGETS & { hostile: typeof HOSTILE_TARGETS };
  pass: Record<string, boolean>;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const only = new Set((option('only') ?? 'evaluate,flood,profiles,catch-up,drain,hostile,stream,replay,scaling').split(','));
  const events = Number(option('events') ?? 200_000);
  const rulesDir = join(REPO_ROOT, 'rules');
  const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);
  const report: Report = { targets: { ...TARGETS, hostile: HOSTILE_TARGETS }, pass: {} };

  if (only.has('evaluate')) {
    progress(`rule evaluation, ${events} events through ${rulesDir}`);
    report.evaluate = benchEvaluate(rulesDir, events, 100);
    report.evaluateLargeBatches = benchEvaluate(rulesDir, events, 10_000);
    report.pass.evaluate = report.evaluate.eventsPerSecond >= TARGETS.eventsPerSecond;
  }
  if (only.has('flood')) {
    progress('a wide flood: 100,000 failed logins, each from a new IP, through the default rules');
    report.flood = benchFlood(rulesDir);
    report.pass.flood = report.flood.eventsPerSecond >= TARGETS.floodEventsPerSecond;
  }
  if (only.has('profiles')) {
    const users = Number(option('users') ?? 1_000_000);
    progress(`profiles: ${users} users' logins through the built poll cycle into SQLite`);
    report.profiles = await benchProfiles(users);
    report.pass.profilesRss = report.profiles.peakRssMb < TARGETS.peakRssMb;
  }
  // PostgreSQL measures (catch-up on PostgreSQL, tenant scaling) need a server: PG_TEST_URL or the machine's.
  const postgresSkipped = only.has('catch-up') || only.has('scaling') || only.has('stream') ? await pgUnavailable() : undefined;
  if (postgresSkipped) {
    report.postgresSkipped = postgresSkipped;
    progress(`PostgreSQL measures skipped: no server (${postgresSkipped})`);
  }
  if (only.has('catch-up')) {
    progress(`catch-up, ${events} backlog events: bare paging loop, then the bot's poll pipeline on SQLite${postgresSkipped ? '' : ', then on PostgreSQL'}`);
    report.catchUp = await benchCatchUp(rulesDir, events, option('profile'), !postgresSkipped);
    report.pass.catchUpRatio = report.catchUp.ratio <= TARGETS.catchUpRatio;
    report.pass.peakRss = report.catchUp.botPeakRssMb < TARGETS.peakRssMb;
  }
  if (only.has('drain')) {
    progress('outbox drain, 1 channel × 10 alerts, then 20 channels × 10 alerts');
    report.drain = [await benchDrain(1, 10), await benchDrain(20, 10)];
  }

  if (only.has('scaling') && !postgresSkipped) {
    report.scaling = [];
    for (const tenants of [1, 10, 50]) {
      for (const replicas of [1, 3]) {
        progress(`tenant scaling on PostgreSQL: ${tenants} tenant(s) × 2,000 backlog events over ${replicas} replica(s)`);
        report.scaling.push(await benchTenantScaling(rulesDir, tenants, replicas, 2_000));
      }
    }
  }

  if (only.has('hostile')) {
    progress('hostile input: worst-case values per event, and ten 50 MB unsigned bodies against the bot in HTTP mode');
    const hostile = await benchHostile();
    report.hostile = hostile;
    report.pass.hostilePerEvent = Math.max(hostile.normalizeMs, hostile.backtrackingRegexUs / 1000) <= HOSTILE_TARGETS.perEventMs;
    report.pass.hostileFormat = Math.max(hostile.formatMs, hostile.escapeMs) <= HOSTILE_TARGETS.formatMs;
    report.pass.hostileHttp = hostile.http.growthMb <= HOSTILE_TARGETS.httpGrowthMb && hostile.http.statuses.every((s) => s === 413);
  }
  if (only.has('stream')) {
    progress('log stream: intake of 20,000 events in batches of 100, then POST → Slack latency (20 samples), then the poll path at the default schedule (12 samples, ~1 min)');
    report.streamIntake = await benchStreamIntake(rulesDir, 20_000, 100);
    if (!postgresSkipped) {
      progress('log stream: the same intake with the state in PostgreSQL');
      const database = await tempPgDatabase();
      try {
        report.streamIntakePostgres = await benchStreamIntake(rulesDir, 20_000, 100, { DATABASE_URL: database.url });
      } finally {
        await database.drop();
      }
    }
    const stream = await benchLatency(rulesDir, 'stream', 20);
    report.latency = [stream, await benchLatency(rulesDir, 'poll', 12)];
    report.pass.streamLatency = stream.p99Ms <= TARGETS.streamP99Ms;
  }

  if (only.has('replay')) {
    const large = Number(option('replay-large') ?? 1_000_000);
    progress(`replay, ${events} events of NDJSON: a bare read-and-JSON.parse loop, then the built CLI; then ${large} events (NDJSON, then one JSON array) for peak RSS`);
    report.replay = await benchReplay(events, large);
    report.pass.replayRatio = report.replay.ratio <= TARGETS.replayRatio;
    if (report.replay.large) report.pass.replayPeakRss = Math.max(report.replay.large.peakRssMb, report.replay.large.arrayPeakRssMb) < TARGETS.peakRssMb;
  }

  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(table(report));
  if (Object.values(report.pass).includes(false)) process.exitCode = 1;
}

function table(report: Report): string {
  const rows: Array<[string, string, string]> = [];
  const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'ok' : 'MISSED');
  const { evaluate, evaluateLargeBatches, flood, profiles, catchUp, drain } = report;
  if (evaluate) {
    rows.push([
      'rule evaluation (default rules, 1 core, pages of 100)',
      `${Math.round(evaluate.eventsPerSecond).toLocaleString('en')} events/s (${evaluate.events} events, ${evaluate.alerts} alerts, ${evaluate.seconds.toFixed(2)} s)`,
      `≥ ${TARGETS.eventsPerSecond.toLocaleString('en')}/s ${mark(report.pass.evaluate)}`,
    ]);
  }
  if (evaluateLargeBatches) {
    rows.push([
      'rule evaluation (same, batches of 10,000)',
      `${Math.round(evaluateLargeBatches.eventsPerSecond).toLocaleString('en')} events/s (${evaluateLargeBatches.seconds.toFixed(2)} s)`,
      '',
    ]);
  }
  if (flood) {
    rows.push([
      'flood: 100,000 IPs (default rules, pages of 100)',
      `${Math.round(flood.eventsPerSecond).toLocaleString('en')} events/s (${flood.seconds.toFixed(2)} s, ${flood.groups} groups kept)`,
      `≥ ${TARGETS.floodEventsPerSecond.toLocaleString('en')}/s ${mark(report.pass.flood)}`,
    ]);
  }
  if (profiles) {
    rows.push([
      `profiles: ${profiles.users.toLocaleString('en')} users (poll cycle → SQLite)`,
      `${profiles.profiles.toLocaleString('en')} profiles, ${profiles.dbMb.toFixed(0)} MB on disk (${profiles.bytesPerProfile.toFixed(0)} B each), ${profiles.seconds.toFixed(0)} s`,
      '',
    ]);
    rows.push(['profiles: bot peak RSS', `${profiles.peakRssMb.toFixed(0)} MB`, `< ${TARGETS.peakRssMb} MB ${mark(report.pass.profilesRss)}`]);
  }
  if (catchUp) {
    rows.push(['catch-up: bare paging loop', `${catchUp.bareSeconds.toFixed(2)} s, peak RSS ${catchUp.barePeakRssMb.toFixed(0)} MB`, '']);
    rows.push([
      'catch-up: bot poll pipeline (built)',
      `${catchUp.botSeconds.toFixed(2)} s for ${catchUp.events} events (${Math.round(catchUp.events / catchUp.botSeconds).toLocaleString('en')}/s), ${catchUp.alertsQueued} alerts queued`,
      '',
    ]);
    rows.push(['catch-up: bot / bare loop', `${catchUp.ratio.toFixed(2)}×`, `≤ ${TARGETS.catchUpRatio}× ${mark(report.pass.catchUpRatio)}`]);
    // Diagnostic beside the target (which stays wall time): CPU time swings less with the machine's load.
    rows.push(['catch-up: CPU time, bot / bare loop', `${catchUp.botCpuSeconds.toFixed(1)} s / ${catchUp.bareCpuSeconds.toFixed(1)} s`, '']);
    rows.push(['catch-up: bot peak RSS', `${catchUp.botPeakRssMb.toFixed(0)} MB`, `< ${TARGETS.peakRssMb} MB ${mark(report.pass.peakRss)}`]);
    const pg = catchUp.postgres;
    if (pg) {
      rows.push([
        'catch-up: bot poll pipeline on PostgreSQL',
        `${pg.botSeconds.toFixed(2)} s (${Math.round(catchUp.events / pg.botSeconds).toLocaleString('en')}/s), ${pg.alertsQueued} alerts queued, peak RSS ${pg.botPeakRssMb.toFixed(0)} MB`,
        '',
      ]);
      rows.push(['catch-up: PostgreSQL / SQLite', `${pg.ratioToSqlite.toFixed(2)}×`, '']);
    }
  }
  for (const result of report.scaling ?? []) {
    rows.push([
      `tenant scaling (PostgreSQL): ${result.tenants} tenant(s), ${result.replicas} replica(s)`,
      `${result.seconds.toFixed(1)} s for ${result.events.toLocaleString('en')} events (${Math.round(result.eventsPerSecond).toLocaleString('en')}/s), at most ${result.mostHeldByOne} tenant(s) on one replica`,
      '',
    ]);
  }
  if (report.postgresSkipped) rows.push(['PostgreSQL measures', `skipped: ${report.postgresSkipped}`, '']);
  const { replay } = report;
  if (replay) {
    rows.push(['replay: bare read-and-JSON.parse loop', `${replay.bareSeconds.toFixed(2)} s for ${replay.events} events (${replay.megabytes.toFixed(0)} MB NDJSON), peak RSS ${replay.barePeakRssMb.toFixed(0)} MB`, '']);
    rows.push(['replay: CLI (default rules, --json)', `${replay.replaySeconds.toFixed(2)} s, peak RSS ${replay.replayPeakRssMb.toFixed(0)} MB`, '']);
    rows.push(['replay: CLI / bare loop', `${replay.ratio.toFixed(2)}×`, `≤ ${TARGETS.replayRatio}× ${mark(report.pass.replayRatio)}`]);
    if (replay.large) {
      rows.push([
        `replay: ${replay.large.events.toLocaleString('en')} events, NDJSON (${replay.large.megabytes.toFixed(0)} MB)`,
        `${replay.large.seconds.toFixed(1)} s, peak RSS ${replay.large.peakRssMb.toFixed(0)} MB`,
        `< ${TARGETS.peakRssMb} MB ${mark(report.pass.replayPeakRss)}`,
      ]);
      rows.push([`replay: ${replay.large.events.toLocaleString('en')} events, one JSON array`, `${replay.large.arraySeconds.toFixed(1)} s, peak RSS ${replay.large.arrayPeakRssMb.toFixed(0)} MB`, '']);
    }
  }
  for (const result of drain ?? []) {
    rows.push([
      `outbox drain, ${result.channels} channel(s), no Slack limit`,
      `${result.messagesPerSecond.toFixed(1)} messages/s (${result.messages} in ${result.seconds.toFixed(1)} s)`,
      '',
    ]);
  }
  const hostile = report.hostile;
  if (hostile) {
    const perEvent = `≤ ${HOSTILE_TARGETS.perEventMs} ms/event ${mark(report.pass.hostilePerEvent)}`;
    rows.push(['hostile: normalise a 10,000-deep, 5 MB event', `${hostile.normalizeMs.toFixed(1)} ms`, perEvent]);
    rows.push(['hostile: regex ^(a+)+$ on 5,000-char user names', `${hostile.backtrackingRegexUs.toFixed(0)} µs/event`, perEvent]);
    const format = `≤ ${HOSTILE_TARGETS.formatMs} ms ${mark(report.pass.hostileFormat)}`;
    rows.push(['hostile: format an alert of 5 MB values', `${hostile.formatMs.toFixed(1)} ms`, format]);
    rows.push(['hostile: escape 5 MB of letters', `${hostile.escapeMs.toFixed(1)} ms`, format]);
    rows.push([
      'hostile: bot RSS, 20 × 50 MB unsigned POSTs at once',
      `${hostile.http.rssBeforeMb.toFixed(0)} → peak ${hostile.http.peakRssMb.toFixed(0)} MB (+${hostile.http.growthMb.toFixed(1)} MB), answers ${hostile.http.statuses.join(',')}`,
      `≤ +${HOSTILE_TARGETS.httpGrowthMb} MB, all 413 ${mark(report.pass.hostileHttp)}`,
    ]);
  }
  if (report.streamIntake) {
    const intake = report.streamIntake;
    rows.push([
      `log-stream intake (HTTP, batches of ${intake.batchSize}, committed)`,
      `${Math.round(intake.eventsPerSecond).toLocaleString('en')} events/s (${intake.events} events in ${intake.seconds.toFixed(2)} s)`,
      '',
    ]);
    const pg = report.streamIntakePostgres;
    if (pg) {
      rows.push([
        'log-stream intake on PostgreSQL',
        `${Math.round(pg.eventsPerSecond).toLocaleString('en')} events/s (${pg.seconds.toFixed(2)} s); PostgreSQL / SQLite time ${(pg.seconds / intake.seconds).toFixed(2)}×`,
        '',
      ]);
    }
  }
  for (const result of report.latency ?? []) {
    const label = result.path === 'stream' ? 'latency POST → Slack (stream, idle channel)' : `latency event → Slack (poll, ${result.schedule})`;
    const target = result.path === 'stream' ? `p99 ≤ ${TARGETS.streamP99Ms} ms ${mark(report.pass.streamLatency)}` : '';
    rows.push([label, `p50 ${Math.round(result.p50Ms)} ms, p99 ${Math.round(result.p99Ms)} ms (${result.samples} samples)`, target]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length), ['measure', 'result', 'target'][i]!.length));
  const line = (row: readonly string[]) => `${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}\n`;
  return line(['measure', 'result', 'target']) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
