import { markResolutionsApplied } from './incident-actions.js';
import { holdMutedRows } from './mute-holds.js';
import { CheckpointMovedError, RuleStateConflictError } from '../../errors.js';
import type { CommitResult, NamedTenantState, PageCommit, PollOutcome, StreamCommit, TenantState } from '../store.js';
import { decodeRuleState } from '../decode.js';
import { enqueueAlerts } from './outbox.js';
import { storeProfiles } from './profiles.js';
import { iso, type Queryable } from './query.js';
import { recordSeenLogIds } from './seen-log-ids.js';
import { cleanText, fromPgText, toPgText } from './text.js';

interface TenantRow {
  tenant: string;
  checkpoint: string | null;
  checkpoint_date: string | null;
  rule_state: string;
  last_poll_at: Date | null;
  last_poll_ok: boolean | null;
  last_poll_error: string | null;
  last_success_at: Date | null;
  rule_state_version: number;
  last_stream_at: Date | null;
  last_poll_new_at: Date | null;
}

function toTenantState(row: TenantRow): TenantState {
  return {
    checkpoint: row.checkpoint === null ? null : fromPgText(row.checkpoint),
    checkpointDate: row.checkpoint_date,
    ...decodeRuleState(row.checkpoint !== null || row.rule_state_version > 0, row.rule_state),
    lastPollAt: iso(row.last_poll_at),
    lastPollOk: row.last_poll_ok,
    lastPollError: row.last_poll_error,
    lastSuccessAt: iso(row.last_success_at),
    ruleStateVersion: row.rule_state_version,
    lastStreamAt: iso(row.last_stream_at),
    lastPollNewAt: iso(row.last_poll_new_at),
  };
}

export async function readTenantState(db: Queryable, tenant: string): Promise<TenantState | undefined> {
  const { rows } = await db.query<TenantRow>('SELECT * FROM tenant_state WHERE tenant = $1', [tenant]);
  return rows[0] ? toTenantState(rows[0]) : undefined;
}

export async function listTenantStates(db: Queryable): Promise<NamedTenantState[]> {
  const { rows } = await db.query<TenantRow>('SELECT * FROM tenant_state ORDER BY tenant COLLATE "C"');
  return rows.map((row) => ({ tenant: row.tenant, ...toTenantState(row) }));
}

/**
 * The tenant's row, created if missing and then locked (FOR UPDATE) in the
 * caller's transaction: two writers of one tenant (replicas, a poll and a log
 * stream) are serialised on it, and the second sees what the first committed.
 */
async function lockPosition(db: Queryable, tenant: string): Promise<{ checkpoint: string | null; version: number }> {
  await db.query('INSERT INTO tenant_state (tenant) VALUES ($1) ON CONFLICT (tenant) DO NOTHING', [tenant]);
  const { rows } = await db.query<{ checkpoint: string | null; rule_state_version: number }>(
    'SELECT checkpoint, rule_state_version FROM tenant_state WHERE tenant = $1 FOR UPDATE',
    [tenant],
  );
  const checkpoint = rows[0]?.checkpoint ?? null;
  return { checkpoint: checkpoint === null ? null : fromPgText(checkpoint), version: rows[0]?.rule_state_version ?? 0 };
}

/** The stored version, when it is the expected one (or none is expected). */
function checkVersion(tenant: string, stored: number, expected: number | undefined): void {
  if (expected !== undefined && stored !== expected) {
    throw new RuleStateConflictError(
      `rule state of tenant ${tenant} moved to version ${stored} while this batch was evaluated on version ${expected} (another writer committed meanwhile); nothing was stored`,
    );
  }
}

/**
 * The durability point: the page's alerts, seen ids, profiles, the rule state
 * and the checkpoint in the caller's transaction, refused when the stored
 * checkpoint moved (compare-and-set) or the rule state's version did.
 */
export async function commitPage(db: Queryable, tenant: string, page: PageCommit): Promise<CommitResult> {
  const ruleStateJson = page.ruleStateJson ?? JSON.stringify(page.ruleState ?? {});
  const now = page.now ?? new Date();
  const current = await lockPosition(db, tenant);
  const stored = current.checkpoint;
  const moved = page.after === undefined ? stored !== null && stored > page.checkpoint : stored !== page.after;
  if (moved) {
    // Another poller committed meanwhile: committing would alert on its events a second time.
    throw new CheckpointMovedError(
      `checkpoint of tenant ${tenant} moved to ${stored ?? 'none'} while this process read from ${page.after ?? page.checkpoint}: another auth0-log-alerts running with the same STATE_DB or DATABASE_URL (a replica, or an overlapping \`run --once\` from cron) stored these events first; nothing was stored twice, the next cycle goes on from there`,
    );
  }
  checkVersion(tenant, current.version, page.ruleStateVersion);
  const ids = await enqueueAlerts(db, tenant, page.alerts, page.defaultChannel, now);
  await holdMutedRows(db, tenant, ids, page.checkpointDate, now);
  if (page.resolutionsApplied?.length) await markResolutionsApplied(db, page.resolutionsApplied, now);
  await recordSeenLogIds(db, tenant, page.logIds ?? [], now.getTime());
  await storeProfiles(db, tenant, page.profiles);
  await db.query(
    `UPDATE tenant_state SET checkpoint = $2, checkpoint_date = COALESCE($3, checkpoint_date), rule_state = $4,
       rule_state_version = rule_state_version + 1, last_poll_new_at = COALESCE($5, last_poll_new_at)
     WHERE tenant = $1`,
    [tenant, toPgText(page.checkpoint), page.checkpointDate === null ? null : cleanText(page.checkpointDate), ruleStateJson, (page.logIds?.length ?? 0) > 0 ? now : null],
  );
  return { ruleStateVersion: current.version + 1 };
}

/** A log-stream batch: alerts, rule state, seen ids and the delivery time, compare-and-set on the version; the checkpoint stays. */
export async function commitStreamBatch(db: Queryable, tenant: string, batch: StreamCommit): Promise<CommitResult> {
  const ruleStateJson = batch.ruleStateJson ?? JSON.stringify(batch.ruleState ?? {});
  const now = batch.now ?? new Date();
  const current = await lockPosition(db, tenant);
  checkVersion(tenant, current.version, batch.ruleStateVersion);
  const ids = await enqueueAlerts(db, tenant, batch.alerts, batch.defaultChannel, now);
  // Streamed alerts are held like polled ones; a mute's end waits for the poller's event clock (or the wall clock).
  await holdMutedRows(db, tenant, ids, null, now);
  if (batch.resolutionsApplied?.length) await markResolutionsApplied(db, batch.resolutionsApplied, now);
  await recordSeenLogIds(db, tenant, batch.logIds, now.getTime());
  await storeProfiles(db, tenant, batch.profiles);
  await db.query(`UPDATE tenant_state SET rule_state = $2, rule_state_version = rule_state_version + 1, last_stream_at = $3 WHERE tenant = $1`, [
    tenant,
    ruleStateJson,
    now,
  ]);
  return { ruleStateVersion: current.version + 1 };
}

export async function recordPollOutcome(db: Queryable, tenant: string, outcome: PollOutcome): Promise<void> {
  const at = outcome.at ?? new Date();
  await db.query(
    `INSERT INTO tenant_state (tenant, last_poll_at, last_poll_ok, last_poll_error, last_success_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant) DO UPDATE SET
       last_poll_at = excluded.last_poll_at,
       last_poll_ok = excluded.last_poll_ok,
       last_poll_error = excluded.last_poll_error,
       last_success_at = COALESCE(excluded.last_success_at, tenant_state.last_success_at)`,
    [tenant, at, outcome.ok, outcome.ok ? null : cleanText((outcome.error ?? 'unknown error').slice(0, 500)), outcome.ok ? at : null],
  );
}
