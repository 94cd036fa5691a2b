import { logIdTime } from '../auth0/checkpoint.js';
import type { LogSource } from '../auth0/log-source.js';
import { asCodedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CycleReport } from './poller.js';

/**
 * Auth0 keeps logs 1 to 30 days depending on the plan (reference-facts §1.3): a
 * checkpoint younger than the shortest retention cannot have lost anything, so
 * only older ones cost the extra request.
 */
export const LOG_GAP_CHECK_AGE_MS = 20 * 60 * 60 * 1000;

/**
 * A gap is told when Auth0's oldest kept log is at least this much later than
 * what the bot knows was read (the checkpoint, or its last successful poll —
 * events up to then were seen). Shorter stretches are ordinary quiet time of a
 * tenant; a dropped stretch is a day or more (retention is counted in days).
 */
export const LOG_GAP_MIN_MS = 6 * 60 * 60 * 1000;

/**
 * Auth0's shortest retention (the Free plan's day, reference-facts §1.3): it drops
 * no event younger than this, so an oldest kept log younger than that says the
 * tenant was quiet, not that anything was dropped. Without this bound a first run
 * with START_FROM=24h on a quiet tenant (no event in the first hours of the day)
 * told Slack "Auth0 logs were lost".
 */
export const SHORTEST_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Events between `from` and `to` may be lost: Auth0 no longer keeps what came before `to`. */
export interface LogGap {
  from: string;
  to: string;
}

/**
 * Asks Auth0 for the oldest log it keeps when the checkpoint is older than
 * LOG_GAP_CHECK_AGE_MS; a kept log younger than what was read means a log gap
 * (set on the report, and logged).
 */
export async function checkLogGap(
  options: { tenant: string; source: LogSource; logger: Logger },
  checkpoint: string,
  lastSuccessAt: string | null,
  nowMs: number,
  report: Pick<CycleReport, 'logGapChecked' | 'logGap'>,
): Promise<void> {
  const at = logIdTime(checkpoint);
  if (!at || nowMs - at.getTime() < LOG_GAP_CHECK_AGE_MS || !options.source.oldestLogDate) return;
  report.logGapChecked = true;
  let oldest: Date | null;
  try {
    oldest = await options.source.oldestLogDate();
  } catch (error) {
    // The page fetch that follows says what is wrong with Auth0; the check is tried again later.
    options.logger.warn({ tenant: options.tenant, error: asCodedError(error).message }, 'could not ask Auth0 for its oldest kept log (log gap check)');
    return;
  }
  // Up to the last successful poll every event after the checkpoint was read (there were none).
  const readUntil = Math.max(at.getTime(), lastSuccessAt ? Date.parse(lastSuccessAt) || 0 : 0);
  // Only what is older than the shortest retention can have been dropped: the stretch between that and what was read.
  const droppable = oldest ? Math.min(oldest.getTime(), nowMs - SHORTEST_RETENTION_MS) - readUntil : 0;
  if (oldest && droppable >= LOG_GAP_MIN_MS) {
    report.logGap = { from: new Date(readUntil).toISOString(), to: oldest.toISOString() };
    options.logger.error(
      { tenant: options.tenant, from: report.logGap.from, to: report.logGap.to },
      `log gap: the checkpoint is at ${report.logGap.from} but Auth0 keeps logs only since ${report.logGap.to}; events in between were dropped by Auth0's retention before the bot read them`,
    );
  }
}
