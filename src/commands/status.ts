import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { streamSilence } from '../intake/stream-health.js';
import { terminalLine } from '../slack/escape.js';
import { currentProblems } from '../state/current-problems.js';
import { openStateStore } from '../state/open.js';
import type { Mute } from '../state/controls.js';
import type { ChannelSummary, Problem, StateStore } from '../state/store.js';
import { StateError } from '../errors.js';
import { attentionReasons, statusThresholds, type StatusThresholds } from './status-attention.js';

interface StatusFlags {
  json?: boolean;
}

export interface TenantStatus {
  tenant: string;
  checkpoint: string | null;
  checkpointDate: string | null;
  /** Seconds between the checkpoint's event date and now. */
  checkpointAgeSeconds: number | null;
  lastPollAt: string | null;
  lastPollOutcome: 'ok' | 'failed' | 'never';
  lastPollError: string | null;
  lastSuccessAt: string | null;
  /** When a log-stream batch was last stored; null when the tenant's stream never delivered. */
  lastStreamAt: string | null;
  lastStreamAgeSeconds: number | null;
  /** Why the tenant's log stream looks silent while polling finds events (see streamSilence); null when it does not. */
  streamSilent: string | null;
  /** The replica polling it now (holding its lease), or null: none (the bot is not running, or a takeover is due). */
  polledBy: string | null;
  /** Until when that replica's lease runs, by the database's clock, unless renewed. */
  leaseExpiresAt: string | null;
}

/** A running bot process (a replica, with PostgreSQL several), as its heartbeat says. */
export interface ReplicaStatus {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  /** The tenants it polls now. */
  tenants: string[];
}

export interface StatusReport {
  stateDb: string;
  /** Replicas alive (heartbeat not expired), oldest first; empty when no bot runs. */
  replicas: ReplicaStatus[];
  tenants: TenantStatus[];
  outbox: ChannelSummary[];
  /** What the bot reports about itself (the same problems its notices and /healthz tell), open ones. */
  problems: Array<Pick<Problem, 'key' | 'kind' | 'tenant' | 'summary' | 'openedAt' | 'noticeState'>>;
  /** Active mutes set from Slack: what they silence, until when, how many events they hold so far. */
  mutes: Array<Pick<Mute, 'id' | 'tenant' | 'ruleId' | 'group' | 'createdBy' | 'createdAt' | 'until' | 'wallUntil' | 'held'>>;
  /**
   * Why status exits 1, in plain sentences: failed or dead alerts, an open
   * problem, a tenant whose last successful poll is stale, alerts pending too
   * long (the last two need no running bot to be seen: a dead one writes no problem).
   */
  attention: string[];
  /** When a poll counts as stale and a pending alert as stuck (from NOTICE_POLL_FAILING_AFTER, POLL_SCHEDULE, NOTICE_BACKLOG_AFTER). */
  thresholds: { pollStaleAfterSeconds: number; backlogAfterSeconds: number };
  /** Nothing needs attention: exit 0. */
  healthy: boolean;
}

/** `status --json` before the bot ever ran: the same fields, nothing in them, and why. */
export interface NoStateReport {
  stateDb: string;
  replicas: [];
  tenants: [];
  outbox: [];
  problems: [];
  mutes: [];
  attention: [string];
  healthy: false;
  reason: string;
}

/**
 * `status` reads the state database and never creates it: a missing file is
 * exit 1 with a sentence saying so (the bot has not run yet, or STATE_DB
 * points elsewhere), not an empty status that looks healthy.
 */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show each tenant’s checkpoint and its age, the last poll, and the outbox per channel')
    .option('--json', 'one JSON object on stdout')
    .addHelpText(
      'after',
      [
        '',
        'Reads DATABASE_URL (PostgreSQL) when set, else STATE_DB (default ./data/state.db); NOTICE_POLL_FAILING_AFTER, POLL_SCHEDULE and NOTICE_BACKLOG_AFTER say when the bot counts as stuck,',
        'STREAM_SILENT_AFTER when a log stream counts as silent.',
        'Exit codes: 0 all well; 1 something needs attention (failed or dead alerts, a rejected Slack token, polling failing, a dead channel, an outbox backing up,',
        'no successful poll for NOTICE_POLL_FAILING_AFTER or three POLL_SCHEDULE periods, alerts pending longer than NOTICE_BACKLOG_AFTER — the',
        'last two even when the bot is not running) or no state database yet (with --json, still one JSON object saying why); 2 usage error, unreadable',
        'database or an invalid NOTICE_* or STREAM_SILENT_AFTER duration.',
      ].join('\n'),
    )
    .action(async (flags: StatusFlags) => {
      loadDotEnv();
      const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
      const path = resolve(process.env.STATE_DB?.trim() || './data/state.db');
      const limits = statusThresholds(process.env);
      if ('problems' in limits) {
        process.stderr.write(`auth0-log-alerts: invalid configuration:\n${limits.problems.map((p) => `  - ${p}\n`).join('')}`);
        process.exitCode = 2;
        return;
      }
      if (!databaseUrl && !existsSync(path)) {
        const reason = `no state database at ${path} — the bot has not run yet, or STATE_DB points elsewhere`;
        // A monitor reading --json gets JSON whatever the state: the same fields, empty, and why.
        if (flags.json) process.stdout.write(`${JSON.stringify(noStateReport(path, reason))}\n`);
        process.stderr.write(`auth0-log-alerts: ${reason}\n`);
        process.exitCode = 1;
        return;
      }
      let store: StateStore;
      try {
        store = await openStateStore({ stateDb: path, databaseUrl });
      } catch (error) {
        // A file that is not our database (or is locked) is a STATE_DB problem: exit 2, as documented above.
        if (!(error instanceof StateError)) throw error;
        process.stderr.write(`auth0-log-alerts: ${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const report = await readStatus(store, databaseUrl ? store.description : path, new Date(), {
          streamConfigured: Boolean(process.env.LOG_STREAM_TOKEN?.trim()),
          thresholds: limits.thresholds,
        });
        process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderStatus(report));
        if (!report.healthy) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}

function loadDotEnv(): void {
  if (!existsSync('.env')) return;
  try {
    process.loadEnvFile('.env');
  } catch {
    // An unreadable .env is reported by commands that need it; status only wants STATE_DB.
  }
}

export function noStateReport(stateDb: string, reason: string): NoStateReport {
  return { stateDb, replicas: [], tenants: [], outbox: [], problems: [], mutes: [], attention: [reason], healthy: false, reason };
}

export interface ReadStatusOptions {
  /** Whether a log stream is set up (LOG_STREAM_TOKEN); a tenant whose stream ever delivered is judged as having one anyway. */
  streamConfigured?: boolean;
  /** @default statusThresholds of an empty environment (the bot's defaults) */
  thresholds?: StatusThresholds;
}

export async function readStatus(store: StateStore, path: string, now: Date, options: ReadStatusOptions = {}): Promise<StatusReport> {
  const streamConfigured = options.streamConfigured ?? false;
  const thresholds = options.thresholds ?? defaultThresholds();
  const leases = (await store.listTenantLeases()).filter((lease) => !lease.expired);
  const holder = (tenant: string) => leases.find((lease) => lease.tenant === tenant);
  const alive = await store.listReplicas();
  const startOf = (replica: string | undefined) => alive.find((candidate) => candidate.id === replica)?.startedAt ?? null;
  const replicas = alive.map(
    ({ id, host, pid, startedAt, heartbeatAt }): ReplicaStatus => ({
      id,
      host,
      pid,
      startedAt,
      heartbeatAt,
      tenants: leases.filter((lease) => lease.owner === id).map((lease) => lease.tenant),
    }),
  );
  const tenantStates = await store.listTenants();
  const tenants = tenantStates.map(
    (state): TenantStatus => ({
      tenant: state.tenant,
      checkpoint: state.checkpoint,
      checkpointDate: state.checkpointDate,
      checkpointAgeSeconds: state.checkpointDate ? Math.max(0, Math.round((now.getTime() - Date.parse(state.checkpointDate)) / 1000)) : null,
      lastPollAt: state.lastPollAt,
      lastPollOutcome: state.lastPollOk === null ? 'never' : state.lastPollOk ? 'ok' : 'failed',
      lastPollError: state.lastPollError,
      lastSuccessAt: state.lastSuccessAt,
      lastStreamAt: state.lastStreamAt,
      lastStreamAgeSeconds: state.lastStreamAt ? Math.max(0, Math.round((now.getTime() - Date.parse(state.lastStreamAt)) / 1000)) : null,
      streamSilent:
        streamConfigured || state.lastStreamAt !== null
          ? silenceOf({ ...state, watchingSince: startOf(holder(state.tenant)?.owner) }, now, thresholds.streamSilentAfterMs)
          : null,
      polledBy: holder(state.tenant)?.owner ?? null,
      leaseExpiresAt: holder(state.tenant)?.expiresAt ?? null,
    }),
  );
  const outbox = (await store.outboxSummary()).map((channel) => ({
    ...channel,
    pending: Number(channel.pending),
    failed: Number(channel.failed),
    sent: Number(channel.sent),
    dead: Number(channel.dead),
  }));
  const problems = (await currentProblems(store, now)).map(({ key, kind, tenant, summary, openedAt, noticeState }) => ({ key, kind, tenant, summary, openedAt, noticeState }));
  const attention = attentionReasons({ tenants: tenantStates, outbox, problems }, thresholds, now);
  const mutes = (await store.listMutes()).map(({ id, tenant, ruleId, group, createdBy, createdAt, until, wallUntil, held }) => ({ id, tenant, ruleId, group, createdBy, createdAt, until, wallUntil, held }));
  return {
    stateDb: path,
    replicas,
    tenants,
    outbox,
    problems,
    mutes,
    attention,
    thresholds: { pollStaleAfterSeconds: Math.round(thresholds.pollStaleAfterMs / 1000), backlogAfterSeconds: Math.round(thresholds.backlogAfterMs / 1000) },
    healthy: attention.length === 0,
  };
}

function defaultThresholds(): StatusThresholds {
  const limits = statusThresholds({});
  if ('problems' in limits) throw new Error(limits.problems.join('; '));
  return limits.thresholds;
}

export function renderStatus(report: StatusReport): string {
  const lines = [`State: ${report.stateDb}`, ''];
  lines.push(report.replicas.length === 0 ? 'Replicas: none running' : `Replicas: ${report.replicas.length} running`);
  for (const replica of report.replicas) {
    lines.push(`  ${replica.id} — since ${replica.startedAt}, polling ${replica.tenants.length > 0 ? replica.tenants.join(', ') : 'no tenant (standby)'}`);
  }
  lines.push('');
  if (report.tenants.length === 0) lines.push('Tenants: none polled yet');
  for (const tenant of report.tenants) {
    lines.push(`Tenant ${tenant.tenant}`);
    lines.push(
      `  checkpoint   ${tenant.checkpoint ?? '(none yet)'}${tenant.checkpointDate ? ` — event of ${tenant.checkpointDate}, ${age(tenant.checkpointAgeSeconds)} ago` : ''}`,
    );
    const outcome = tenant.lastPollOutcome === 'never' ? 'never polled' : `${tenant.lastPollOutcome} at ${tenant.lastPollAt}`;
    lines.push(`  last poll    ${outcome}${tenant.lastPollError ? ` — ${tenant.lastPollError}` : ''}`);
    lines.push(`  polled by    ${tenant.polledBy ? `${tenant.polledBy} (lease until ${tenant.leaseExpiresAt})` : 'no replica now'}`);
    if (tenant.lastPollOutcome === 'failed') lines.push(`  last success ${tenant.lastSuccessAt ?? 'never'}`);
    if (tenant.lastStreamAt) lines.push(`  log stream   last delivery ${tenant.lastStreamAt}, ${age(tenant.lastStreamAgeSeconds)} ago`);
    if (tenant.streamSilent) lines.push(`  log stream   SILENT: ${tenant.streamSilent}`);
  }
  lines.push('', 'Problems');
  if (report.problems.length === 0) lines.push('  none');
  for (const problem of report.problems) lines.push(`  ${problem.kind} since ${problem.openedAt}: ${problem.summary}`);
  lines.push('', 'Mutes');
  if (report.mutes.length === 0) lines.push('  none');
  for (const mute of report.mutes) {
    const scope = mute.group ? Object.entries(mute.group).map(([key, value]) => `${key}=${value ?? '–'}`).join(', ') : 'whole rule';
    lines.push(`  ${mute.id}: ${mute.ruleId} (${scope}), tenant ${mute.tenant}, by ${mute.createdBy} until ${mute.wallUntil} (event time ${mute.until}), ${mute.held} held`);
  }
  lines.push('', 'Outbox');
  if (report.outbox.length === 0) lines.push('  empty');
  for (const channel of report.outbox) {
    lines.push(
      `  ${channel.channel}: ${channel.pending} pending, ${channel.failed} failed, ${channel.sent} sent${channel.dead > 0 ? `, ${channel.dead} dead` : ''}${
        channel.oldestPendingAt ? ` (oldest pending since ${channel.oldestPendingAt})` : ''
      }`,
    );
    if ((channel.failed > 0 || channel.dead > 0) && channel.lastError) lines.push(`    last error: ${channel.lastError}`);
    if (channel.pending > 0 && channel.pendingError) lines.push(`    pending, last error: ${channel.pendingError}`);
  }
  lines.push('', report.attention.length === 0 ? 'All is well' : 'Needs attention (exit 1)');
  for (const reason of report.attention) lines.push(`  - ${reason}`);
  // Values come from the state database, and some from log events (a muted group's user name) or
  // from Auth0's and Slack's error texts: each line is made inert for the terminal as a whole.
  return `${lines.map(terminalLine).join('\n')}\n`;
}

/**
 * Judged as the running bot judges it: with STREAM_SILENT_AFTER, and from the
 * start of the replica polling the tenant (the grace it gives a stream that has
 * not delivered since); with no bot running, on the stored times alone.
 */
function silenceOf(state: { lastStreamAt: string | null; lastPollNewAt: string | null; watchingSince: string | null }, now: Date, silenceMs: number): string | null {
  const silence = streamSilence({ ...state, now }, { silenceMs });
  return silence.silent ? silence.reason : null;
}

function age(seconds: number | null): string {
  if (seconds === null) return '?';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}
