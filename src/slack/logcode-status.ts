import type { StateDb } from '../state/db.js';
import { outboxSummary } from '../state/outbox.js';
import { readTenantState } from '../state/tenant-state.js';
import type { StatusSummary } from './logcode-render.js';

/**
 * `/logcode status` from the state database: the tenant's poll and checkpoint row plus
 * outbox counts per channel. Undefined before anything was recorded.
 * Wire as `status: () => readLogcodeStatus(db, tenant)`; a read error surfaces as the
 * handler's generic apology (and a log line), never as a crash.
 */
export function readLogcodeStatus(db: StateDb, tenant: string): StatusSummary | undefined {
  const state = readTenantState(db, tenant);
  const channels = outboxSummary(db).map((row) => ({ channel: row.channel, pending: Number(row.pending) || 0, failed: Number(row.failed) || 0 }));
  if (!state && channels.length === 0) return undefined;
  return {
    tenant,
    lastPollAt: state?.lastPollAt,
    lastPollOk: state?.lastPollOk,
    lastPollError: state?.lastPollError,
    lastSuccessAt: state?.lastSuccessAt,
    checkpoint: state?.checkpoint,
    checkpointDate: state?.checkpointDate,
    outbox: {
      pending: channels.reduce((total, row) => total + row.pending, 0),
      failed: channels.reduce((total, row) => total + row.failed, 0),
      channels,
    },
  };
}
