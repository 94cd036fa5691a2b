import { compareLogIds, parseLogEvent, type LogEvent } from '../auth0/log-event.js';
import { LOGS_PATH } from '../auth0/client.js';
import { Auth0ApiError } from '../errors.js';
import type { Logger } from '../log.js';

export interface PreparedPage {
  events: LogEvent[];
  malformed: number;
  /** Items with no usable log_id: the checkpoint cannot be moved past them. */
  withoutLogId: number;
  /** Highest log id in the page beyond the checkpoint; null when the page holds nothing new. */
  nextCheckpoint: string | null;
  checkpointDate: string | null;
}

/** Validates a page: malformed events are skipped with a warning but still move the checkpoint past them. */
export function preparePage(raw: readonly unknown[], checkpoint: string, tenant: string, logger: Logger): PreparedPage {
  const events: LogEvent[] = [];
  let malformed = 0;
  let withoutLogId = 0;
  let nextCheckpoint: string | null = null;
  let checkpointDate: string | null = null;
  raw.forEach((item, index) => {
    const logId = (item as { log_id?: unknown } | null)?.log_id;
    const id = typeof logId === 'string' && logId.length > 0 ? logId : undefined;
    if (id === undefined) withoutLogId += 1;
    else if (compareLogIds(id, checkpoint) <= 0) return; // already processed
    const parsed = parseLogEvent(item);
    if (id !== undefined && (nextCheckpoint === null || compareLogIds(id, nextCheckpoint) > 0)) {
      nextCheckpoint = id;
      checkpointDate = parsed.ok ? parsed.event.date : null;
    }
    if (parsed.ok) {
      events.push(parsed.event);
    } else {
      malformed += 1;
      logger.warn(
        { tenant, logId: id ? id.slice(0, 80) : undefined, index, problem: parsed.problem.slice(0, 300) },
        `skipping malformed log event ${id ? `log_id ${id.slice(0, 80)}` : `at index ${index} of the page`}`,
      );
    }
  });
  return { events, malformed, withoutLogId, nextCheckpoint, checkpointDate };
}

/**
 * A page of nothing but id-less items would otherwise look like "caught up"
 * and stall the tenant silently; failing the cycle shows it in status and /healthz.
 */
export function stuckAt(checkpoint: string, count: number): Auth0ApiError {
  return new Auth0ApiError(
    `Auth0 GET ${LOGS_PATH} returned ${count} item(s) after checkpoint ${checkpoint} without a log_id, so the checkpoint cannot move past them; will retry next cycle (if it persists, report it to Auth0 support)`,
    { method: 'GET', path: LOGS_PATH, status: 200, reason: 'server', retryable: false },
  );
}
