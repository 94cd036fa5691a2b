import pg from 'pg';
import { expect } from 'vitest';
import type { RecordedRequest } from '../e2e/standins/http.js';
import { LOGS_PATH } from '../e2e/standins/auth0.js';
import type { BotProcess } from './e2e-harness.js';

/** What the shared PostgreSQL state says (the harness's readState is SQLite's). */
export interface PgState {
  checkpoints: Record<string, string | null>;
  pending: number;
  sent: number;
  failed: number;
  /** tenant → owner of an unexpired lease */
  holders: Record<string, string>;
}

export async function readPgState(url: string): Promise<PgState | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const tenants = await client.query<{ tenant: string; checkpoint: string | null }>('SELECT tenant, checkpoint FROM tenant_state');
    const counts = await client.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM outbox GROUP BY status');
    const leases = await client.query<{ tenant: string; owner: string }>('SELECT tenant, owner FROM tenant_leases WHERE expires_at > now()');
    const n = (status: string) => Number(counts.rows.find((row) => row.status === status)?.n ?? 0);
    return {
      checkpoints: Object.fromEntries(tenants.rows.map((row) => [row.tenant, row.checkpoint])),
      pending: n('pending'),
      sent: n('sent'),
      failed: n('failed'),
      holders: Object.fromEntries(leases.rows.map((row) => [row.tenant, row.owner])),
    };
  } catch {
    return undefined; // not migrated yet, or the server is restarting
  } finally {
    await client.end().catch(() => {});
  }
}

/** The bot process a replica id (host:pid:random) names. */
export function botOf(bots: readonly BotProcess[], owner: string | undefined): BotProcess | undefined {
  const pid = Number(owner?.split(':')[1]);
  return bots.find((bot) => bot.pid === pid && bot.isRunning());
}

/**
 * Log-page requests grouped by client (each bot process's access token): when
 * each started polling and when its last answer went out.
 */
export function pollingIntervals(requests: readonly RecordedRequest[]): Array<{ client: string; from: number; to: number; requests: number }> {
  const byClient = new Map<string, { client: string; from: number; to: number; requests: number }>();
  for (const request of requests) {
    if (request.path !== LOGS_PATH || !request.client) continue;
    const interval = byClient.get(request.client) ?? { client: request.client, from: request.at, to: request.at, requests: 0 };
    interval.from = Math.min(interval.from, request.at);
    interval.to = Math.max(interval.to, request.answeredAt ?? request.at);
    interval.requests += 1;
    byClient.set(request.client, interval);
  }
  return [...byClient.values()].sort((a, b) => a.from - b.from);
}

/**
 * Each tenant polled by one process at a time: the intervals of different
 * clients (processes, or one process's successive leases) never overlap.
 */
export function expectOnePollerAtATime(requests: readonly RecordedRequest[], tenant: string): void {
  const intervals = pollingIntervals(requests);
  for (let i = 1; i < intervals.length; i++) {
    const [before, after] = [intervals[i - 1]!, intervals[i]!];
    expect(after.from, `tenant ${tenant}: a second client polled from ${after.from} while the first polled until ${before.to}`).toBeGreaterThanOrEqual(before.to);
  }
}

/** First log-page request at or after `since` (the takeover's first poll). */
export function firstPollAfter(requests: readonly RecordedRequest[], since: number): RecordedRequest | undefined {
  return requests.find((request) => request.path === LOGS_PATH && request.at >= since);
}

/** chat.postMessage calls in flight at `instant`: a kill then may leave a post Slack made that the bot never recorded. */
export function postsInFlight(requests: readonly RecordedRequest[], instant: number): number {
  return requests.filter((r) => r.path === '/api/chat.postMessage' && r.at <= instant && (r.answeredAt === undefined || r.answeredAt >= instant - 50)).length;
}
