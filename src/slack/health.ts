import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
}

/**
 * Pure decision: ok while the last successful poll (or, before the first one, the start)
 * is younger than `missedPolls` periods plus the grace.
 */
export function assessHealth(input: HealthInput, options: Partial<HealthOptions> = {}): HealthReport {
  const { missedPolls, graceMs } = normalizeHealthOptions(options);
  const intervalMs = Number.isFinite(input.intervalMs) && input.intervalMs > 0 ? input.intervalMs : 60_000;
  const maxAgeMs = intervalMs * missedPolls + graceMs;
  const nowMs = input.now.getTime();
  const maxAgeSeconds = Math.round(maxAgeMs / 1000);
  const failure = input.lastError ? ` (last error: ${input.lastError})` : '';

  if (!input.lastSuccessAt) {
    const sinceStartMs = Math.max(0, nowMs - input.startedAt.getTime());
    if (sinceStartMs <= maxAgeMs) {
      return { status: 'ok', reason: `starting: no poll has completed yet${failure}`, lastSuccessAt: null, ageSeconds: null, maxAgeSeconds };
    }
    return {
      status: 'degraded',
      reason: `no successful poll since start ${formatSeconds(sinceStartMs)} ago${failure}`,
      lastSuccessAt: null,
      ageSeconds: null,
      maxAgeSeconds,
    };
  }

  const ageMs = Math.max(0, nowMs - input.lastSuccessAt.getTime());
  const base = { lastSuccessAt: input.lastSuccessAt.toISOString(), ageSeconds: Math.round(ageMs / 1000), maxAgeSeconds };
  if (ageMs <= maxAgeMs) return { status: 'ok', ...base };
  return { status: 'degraded', reason: `last successful poll was ${formatSeconds(ageMs)} ago${failure}`, ...base };
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  return `${Math.round(minutes / 60)}h`;
}

export const HEALTH_PATH = '/healthz';

/** Writes a report as the probe's answer: 200 when ok, 503 when degraded (or when the report itself fails). */
export function writeHealthResponse(res: ServerResponse, health: () => HealthReport): void {
  let statusCode: number;
  let body: unknown;
  try {
    const report = health();
    statusCode = report.status === 'ok' ? 200 : 503;
    body = report;
  } catch {
    statusCode = 503;
    body = { status: 'degraded', reason: 'health check failed to read the bot state' };
  }
  res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * A tiny server answering only `GET /healthz`, for Socket Mode where no HTTP receiver runs.
 * Resolves once listening; `port: 0` picks a free port (see the returned address).
 */
export async function startHealthServer(
  health: () => HealthReport,
  port: number,
  host?: string,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== HEALTH_PATH) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    writeHealthResponse(res, health);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
