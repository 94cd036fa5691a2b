import type { IncomingMessage, ServerResponse } from 'node:http';
import cron from 'node-cron';
import { authorizationMatches } from '../http/auth.js';
import type { StateStore } from '../state/store.js';

/**
 * What the process knows about its polling, for `GET /healthz`.
 * `lastSuccessAt` is the end of the last poll cycle that reached Auth0 and stored its page.
 */
export interface HealthInput {
  lastSuccessAt: Date | null | undefined;
  /** When the process started polling; the first poll is allowed the same grace as any other. */
  startedAt: Date;
  /** The poll schedule's period (node-cron expression resolved to an interval by the caller). */
  intervalMs: number;
  /** Short, secret-free reason of the last failed poll, if the last attempt failed. */
  lastError?: string | undefined;
  /** The tenant is marked failing (its polling problem is open, e.g. credentials rejected): degraded whatever the age. */
  failing?: string | undefined;
  now: Date;
}

export interface HealthOptions {
  /** How many poll periods may pass without a success before the bot is degraded. @default 3 */
  missedPolls: number;
  /** Extra slack on top, so that one slow Auth0 response does not flap the probe. @default 60_000 */
  graceMs: number;
}

export const HEALTH_DEFAULTS: HealthOptions = { missedPolls: 3, graceMs: 60_000 };

export function normalizeHealthOptions(options: Partial<HealthOptions> = {}): HealthOptions {
  const merged = { ...HEALTH_DEFAULTS, ...options };
  return {
    missedPolls: Number.isFinite(merged.missedPolls) && merged.missedPolls >= 1 ? merged.missedPolls : HEALTH_DEFAULTS.missedPolls,
    graceMs: Number.isFinite(merged.graceMs) && merged.graceMs >= 0 ? merged.graceMs : HEALTH_DEFAULTS.graceMs,
  };
}

export type HealthStatus = 'ok' | 'degraded';

/** The body of `GET /healthz`. */
export interface HealthReport {
  status: HealthStatus;
  /** Why (always present when degraded; "starting" while the first poll is pending). */
  reason?: string;
  lastSuccessAt: string | null;
  /** Seconds since the last successful poll, or null before the first one. */
  ageSeconds: number | null;
  /** Age beyond which the bot reports degraded. */
  maxAgeSeconds: number;
  /** Per tenant, when the bot watches several (the top level is then the worst of them). */
  tenants?: Record<string, HealthReport>;
  /** This process among the replicas sharing the state (public: its name and how many tenants it polls, no tenant names). */
  replica?: ReplicaHealth;
}

export interface ReplicaHealth {
  /** REPLICA_ID, or host:pid:random. */
  id: string;
  /** How many tenants this replica polls now (0: a standby while others poll them). */
  polling: number;
  /** Replicas alive at its last heartbeat, itself included. */
  replicas: number;
}

/**
 * Pure decision: ok while the last successful poll, or the process start, is younger than
 * `missedPolls` periods plus the grace.
 */
export function assessHealth(input: HealthInput, options: Partial<HealthOptions> = {}): HealthReport {
  const { missedPolls, graceMs } = normalizeHealthOptions(options);
  const intervalMs = Number.isFinite(input.intervalMs) && input.intervalMs > 0 ? input.intervalMs : 60_000;
  const maxAgeMs = intervalMs * missedPolls + graceMs;
  const nowMs = input.now.getTime();
  const maxAgeSeconds = Math.round(maxAgeMs / 1000);
  const failure = input.lastError ? ` (last error: ${input.lastError})` : '';
  const ageMs = input.lastSuccessAt ? Math.max(0, nowMs - input.lastSuccessAt.getTime()) : undefined;
  const sinceStartMs = Math.max(0, nowMs - input.startedAt.getTime());
  const base = {
    lastSuccessAt: input.lastSuccessAt ? input.lastSuccessAt.toISOString() : null,
    ageSeconds: ageMs === undefined ? null : Math.round(ageMs / 1000),
    maxAgeSeconds,
  };

  if (input.failing) return { status: 'degraded', reason: input.failing, ...base };
  if (ageMs !== undefined && ageMs <= maxAgeMs) return { status: 'ok', ...base };
  // A fresh process gets the same grace for its first poll, even after a long outage.
  if (sinceStartMs <= maxAgeMs) return { status: 'ok', reason: `starting: no successful poll since start yet${failure}`, ...base };
  const reason =
    ageMs !== undefined
      ? `last successful poll was ${formatSeconds(ageMs)} ago${failure}`
      : `no successful poll since start ${formatSeconds(sinceStartMs)} ago${failure}`;
  return { status: 'degraded', reason, ...base };
}

/**
 * `/healthz` from the state database: each tenant's last success and last error.
 * Wire as `health: () => readHealth(store, tenantKeys, { startedAt, intervalMs: scheduleIntervalMs(POLL_SCHEDULE) })`.
 */
export async function readHealth(
  store: StateStore,
  tenants: readonly string[],
  timing: { startedAt: Date; intervalMs: number; now?: Date },
  options: Partial<HealthOptions> = {},
): Promise<HealthReport> {
  const now = timing.now ?? new Date();
  const states = await Promise.all(tenants.map((tenant) => store.readTenant(tenant)));
  const failing = new Map((await store.listProblems()).filter((p) => p.kind === 'polling_failing' && p.tenant).map((p) => [p.tenant!, p.summary]));
  return assessTenantsHealth(
    tenants.map((tenant, index) => {
      const state = states[index];
      const lastSuccessAt = state?.lastSuccessAt ? new Date(state.lastSuccessAt) : null;
      return {
        tenant,
        lastSuccessAt: lastSuccessAt && !Number.isNaN(lastSuccessAt.getTime()) ? lastSuccessAt : null,
        lastError: state?.lastPollOk === false ? (state.lastPollError ?? 'unknown error') : undefined,
        failing: failing.get(tenant),
        startedAt: timing.startedAt,
        intervalMs: timing.intervalMs,
        now,
      };
    }),
    options,
  );
}

/**
 * Several tenants: degraded as soon as one is, naming it; the reports of all are attached.
 * No tenants at all is degraded (nothing is being watched).
 */
export function assessTenantsHealth(tenants: ReadonlyArray<HealthInput & { tenant: string }>, options: Partial<HealthOptions> = {}): HealthReport {
  const reports = tenants.map(({ tenant, ...input }) => ({ tenant, report: assessHealth(input, options) }));
  if (reports.length === 0) return { status: 'degraded', reason: 'no tenant configured', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 0 };
  if (reports.length === 1) return reports[0]!.report;
  const worst = reports.find(({ report }) => report.status === 'degraded') ?? reports.reduce((a, b) => ((b.report.ageSeconds ?? -1) > (a.report.ageSeconds ?? -1) ? b : a));
  const reason = worst.report.reason ? `${worst.tenant}: ${worst.report.reason}` : undefined;
  return {
    ...worst.report,
    ...(reason ? { reason } : {}),
    tenants: Object.fromEntries(reports.map(({ tenant, report }) => [tenant, report])),
  };
}

/**
 * The longest gap between upcoming runs of a node-cron schedule: the period the
 * health check allows per missed poll. (Longest, so a schedule that pauses at night or
 * at weekends does not report degraded during the pause.) One minute when it cannot tell.
 */
export function scheduleIntervalMs(expression: string): number {
  let task: ReturnType<typeof cron.createTask> | undefined;
  try {
    task = cron.createTask(expression, () => {});
    const runs = task.getNextRuns(8).map((date) => date.getTime());
    let longest = 0;
    for (let index = 1; index < runs.length; index++) longest = Math.max(longest, runs[index]! - runs[index - 1]!);
    return longest > 0 ? longest : 60_000;
  } catch {
    return 60_000;
  } finally {
    void task?.destroy();
  }
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  return `${Math.round(minutes / 60)}h`;
}

export const HEALTH_PATH = '/healthz';

/**
 * What the unauthenticated `GET /healthz` shows: ok or degraded and a generic
 * reason — never tenant names, errors or timings (those stay in `status` and the logs).
 */
export interface PublicHealth {
  status: HealthStatus;
  reason?: (typeof PUBLIC_REASONS)[keyof typeof PUBLIC_REASONS];
  replica?: ReplicaHealth;
}

export const PUBLIC_REASONS = {
  starting: 'starting',
  stale: 'polling is failing or has not succeeded recently; see the status command and the logs',
  unreadable: 'health check could not read the bot state',
} as const;

export function publicHealth(report: HealthReport): PublicHealth {
  const replica = report.replica ? { replica: report.replica } : {};
  if (report.status === 'degraded') return { status: 'degraded', reason: PUBLIC_REASONS.stale, ...replica };
  return report.reason?.startsWith('starting') ? { status: 'ok', reason: PUBLIC_REASONS.starting, ...replica } : { status: 'ok', ...replica };
}

/**
 * The detailed `/healthz` body (src/http/health-detail.ts), for callers sending
 * `Authorization: Bearer <METRICS_TOKEN>`; built from the same report.
 */
export interface HealthDetailRoute {
  /** METRICS_TOKEN. */
  token: string;
  read(report: HealthReport): Promise<object>;
}

/**
 * Writes a report as the probe's answer: 200 when ok, 503 when degraded (or when the report itself fails).
 * The body is the generic one, unless the request carries the detail route's token (compared in
 * constant time): a wrong or missing token gets the generic body too, never a 401 — the probe stays a probe.
 */
export async function writeHealthResponse(
  req: IncomingMessage,
  res: ServerResponse,
  health: () => HealthReport | Promise<HealthReport>,
  detail?: HealthDetailRoute | undefined,
): Promise<void> {
  let statusCode: number;
  let body: object;
  try {
    const report = await health();
    statusCode = report.status === 'ok' ? 200 : 503;
    body = detail && authorizationMatches(req.headers.authorization, detail.token) ? await detail.read(report) : publicHealth(report);
  } catch {
    statusCode = 503;
    body = { status: 'degraded', reason: PUBLIC_REASONS.unreadable };
  }
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', vary: 'Authorization' });
  res.end(JSON.stringify(body));
}
