import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseLogEvent, type LogEvent } from '../auth0/log-event.js';
import { StateBusyError, asCodedError } from '../errors.js';
import { authorizationMatches } from '../http/auth.js';
import { readLimitedBody, refuse } from '../http/body-limit.js';
import type { Logger } from '../log.js';
import { metrics } from '../metrics/index.js';
import { parseStreamBody } from './stream-body.js';
import type { IntakeResult, TenantIntake } from './tenant-intake.js';

export const LOG_STREAM_PATH = '/auth0/log-stream';

export const LOG_STREAM_DEFAULTS = {
  /** Larger bodies get 413 before they are read (Slack's endpoint keeps its own, smaller limit). */
  maxBodyBytes: 5 * 1024 * 1024,
  /** A flood of requests with a wrong token is logged at most this often per tenant. */
  rejectedLogEveryMs: 60_000,
} as const;

export interface LogStreamTenant {
  key: string;
  /** The stream's Authorization Token; undefined: this tenant streams nothing (its path answers 401, like a wrong token). */
  logStreamToken?: string | undefined;
}

export interface LogStreamOptions {
  tenants: readonly LogStreamTenant[];
  /** The intake each tenant's events go to (shared with its poller). */
  intakeFor: (tenant: string) => TenantIntake | undefined;
  logger: Logger;
  /** After a batch is committed (e.g. wake the sender when it queued alerts). */
  onCommitted?: (tenant: string, result: IntakeResult) => void;
  maxBodyBytes?: number;
  now?: () => Date;
}

/** Whether any tenant has a log stream configured (the endpoint is then served). */
export function logStreamEnabled(tenants: readonly LogStreamTenant[]): boolean {
  return tenants.some((tenant) => tenant.logStreamToken);
}

/**
 * `POST /auth0/log-stream[/{tenant}]`: Auth0's Custom Webhook log stream.
 * Answers 2xx only once the batch's alerts, rule state and seen log ids are
 * committed; any failure to store is a 5xx so that Auth0 delivers it again
 * (a retry of a committed batch is then skipped as seen). The Authorization
 * header is compared in constant time and never logged.
 */
export function createLogStreamHandler(options: LogStreamOptions): (req: IncomingMessage, res: ServerResponse, tenantSegment: string | undefined) => Promise<void> {
  const logger = options.logger.child({ component: 'log-stream' });
  const maxBodyBytes = options.maxBodyBytes ?? LOG_STREAM_DEFAULTS.maxBodyBytes;
  const now = options.now ?? (() => new Date());
  /** Per configured tenant, and one entry for every other name: bounded, whatever the names tried. */
  const lastRejectedLog = new Map<string, number>();
  /**
   * One line per minute and name at most, worded alike whether the tenant in the
   * path exists or not (the log goes to people who may not see the config). The
   * name is the one requested, cut short; the header itself is never logged.
   */
  const logRejected = (req: IncomingMessage, known: string | undefined, requested: string) => {
    const bucket = known ?? OTHER_NAMES;
    const at = Date.now();
    if (at - (lastRejectedLog.get(bucket) ?? Number.NEGATIVE_INFINITY) < LOG_STREAM_DEFAULTS.rejectedLogEveryMs) return;
    lastRejectedLog.set(bucket, at);
    logger.warn(
      { tenant: requested.slice(0, 80), authorization: req.headers.authorization ? 'wrong' : 'missing' },
      "rejected a log-stream request: its Authorization header does not carry the log-stream token of the tenant in its path (check the stream's Payload URL and Authorization Token in Auth0)",
    );
  };

  return async (req, res, tenantSegment) => {
    const found = resolveTenant(options.tenants, tenantSegment);
    const named = 'off' in found ? undefined : found.tenant;
    const tenantLabel = named?.key ?? '';
    const answer = (status: number, body: object, headers: Record<string, string> = {}) => {
      metrics.streamRequest(tenantLabel, status);
      reply(res, status, body, headers);
    };
    if ('off' in found) return answer(404, { error: found.off });
    if (req.method !== 'POST') return answer(405, { error: 'use POST' }, { allow: 'POST' });
    // A tenant name that has no stream (or does not exist) gets the very answer of a wrong
    // token, after the same constant-time comparisons: the endpoint tells nobody without the
    // token which tenant names exist.
    const matches = authorizationMatches(req.headers.authorization, named?.logStreamToken ?? UNGUESSABLE_TOKEN);
    if (!named || !matches) {
      logRejected(req, named?.key, found.requested);
      return answer(401, { error: 'missing or wrong Authorization token' }, { 'www-authenticate': 'Bearer' });
    }
    const tenant = named;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return answer(415, { error: `content-encoding ${encoding.slice(0, 40)} is not supported` });

    const receivedAt = now();
    const read = await readLimitedBody(req, maxBodyBytes);
    if (!read.ok) {
      // Answered without reading the rest (the bot's one body reader, as for /slack/events): memory stays flat.
      const reason = read.status === 413 ? `request body larger than ${maxBodyBytes} bytes` : 'the request body broke off or its Content-Length is invalid';
      logger.warn({ tenant: tenant.key, status: read.status }, `refused a log-stream request: ${reason}`);
      metrics.streamRequest(tenantLabel, read.status);
      return refuse(req, res, read.status, reason);
    }
    const parsed = parseStreamBody(read.body.toString('utf8'));
    if (!parsed.ok) {
      logger.warn({ tenant: tenant.key, bytes: read.body.length }, `refused a log-stream request: ${parsed.problem}`);
      return answer(400, { error: parsed.problem });
    }
    const events: LogEvent[] = [];
    let malformed = 0;
    for (const item of parsed.items) {
      const event = item.ok ? parseLogEvent(item.event) : item;
      if (event.ok) {
        events.push(event.event);
        continue;
      }
      malformed += 1;
      const where = item.ok ? logIdOf(item.event) ?? '' : item.where;
      logger.warn({ tenant: tenant.key, item: where.slice(0, 80), problem: event.problem.slice(0, 300) }, `skipping malformed log-stream item ${where.slice(0, 80)}`);
    }

    const intake = options.intakeFor(tenant.key);
    if (!intake) return answer(503, { error: 'the tenant is not ready to take events' });
    let result: IntakeResult;
    try {
      result = await intake.commitStream(events, receivedAt);
    } catch (error) {
      const coded = asCodedError(error);
      const status = coded instanceof StateBusyError ? 503 : 500;
      logger.error({ tenant: tenant.key, events: events.length, errorCode: coded.code, error: coded.message }, 'could not store a log-stream batch; answering 5xx so that Auth0 delivers it again');
      return answer(status, { error: 'the batch could not be stored; deliver it again' }, status === 503 ? { 'retry-after': '5' } : {});
    }
    malformed += result.skipped;
    metrics.eventsIngested('stream', tenant.key, { ...result, malformed });
    metrics.streamDelivered(tenant.key, receivedAt);
    options.onCommitted?.(tenant.key, result);
    logger.debug({ tenant: tenant.key, ...result, malformed }, 'log-stream batch stored');
    answer(200, { received: parsed.items.length, evaluated: result.evaluated, duplicates: result.duplicates, malformed });
  };
}

/** The rate-limit bucket of rejected requests naming no tenant with a stream. */
const OTHER_NAMES = '\u0000other';

/** Compared against when the path names no streaming tenant, so that such a request costs the same work. */
const UNGUESSABLE_TOKEN = randomBytes(32).toString('base64url');

type ResolvedTenant =
  /** The endpoint is off (404): no tenant streams, or the path names none though several could. */
  | { off: string }
  /** `tenant`: the streaming tenant the path names; absent: the path names none (answered like a wrong token). */
  | { tenant?: LogStreamTenant; requested: string };

function resolveTenant(tenants: readonly LogStreamTenant[], segment: string | undefined): ResolvedTenant {
  const streaming = tenants.filter((tenant) => tenant.logStreamToken);
  if (streaming.length === 0) return { off: 'log stream is off (set LOG_STREAM_TOKEN)' };
  if (segment === undefined) {
    if (tenants.length === 1 && streaming.length === 1) return { tenant: streaming[0]!, requested: streaming[0]!.key };
    return { off: `several tenants: post to ${LOG_STREAM_PATH}/{tenant}` };
  }
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return { requested: segment };
  }
  const tenant = streaming.find((candidate) => candidate.key === name);
  return tenant ? { tenant, requested: name } : { requested: name };
}

function logIdOf(value: unknown): string | undefined {
  const logId = (value as { log_id?: unknown } | null)?.log_id;
  return typeof logId === 'string' ? `log_id ${logId}` : undefined;
}

function reply(res: ServerResponse, status: number, body: object, headers: Record<string, string>): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
