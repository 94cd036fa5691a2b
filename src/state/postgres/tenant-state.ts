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
import { removeAllParts, writeRuleStateParts } from './rule-state-parts.js';
import { assembleRuleState, checkPartsBase } from '../rule-state-parts.js';

interface TenantRow {
  tenant: string;
  checkpoint: string | null;
  checkpoint_date: string | null;
  rule_state: string;
  rule_state_parts_field: string | null;
  last_poll_at: Date | null;
  last_poll_ok: boolean | null;
  last_poll_error: string | null;
  last_success_at: Date | null;
  rule_state_version: number;
  last_stream_at: Date | null;
  last_poll_new_at: Date | null;
  /** The parts of a state stored in parts, in index order (NULL otherwise). */
  part_indexes: number[] | null;
  part_bodies: string[] | null;
}

/**
 * A tenant row with its rule state's parts, read in one statement: one
 * snapshot, so a commit landing meanwhile cannot pair one version's header with another's parts.
 */
const SELECT_TENANT = `SELECT t.*, p.part_indexes, p.part_bodies FROM tenant_state t
  LEFT JOIN LATERAL (
    SELECT array_agg(r.part ORDER BY r.part) AS part_indexes, array_agg(r.body ORDER BY r.part) AS part_bodies
    FROM rule_state_parts r WHERE r.tenant = t.tenant AND t.rule_state_parts_field IS NOT NULL
  ) p ON true`;

function toTenantState(row: TenantRow): TenantState {
  return {
    checkpoint: row.checkpoint === null ? null : fromPgText(row.checkpoint),
    checkpointDate: row.checkpoint_date,
    ...decodeStoredRuleState(row),
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
  const { rows } = await db.query<TenantRow>(`${SELECT_TENANT} WHERE t.tenant = $1`, [tenant]);
  return rows[0] ? toTenantState(rows[0]) : undefined;
}

/** The rule state as stored whole, or assembled from its parts (damaged when they do not assemble). */
function decodeStoredRuleState(row: TenantRow): { ruleState: unknown; ruleStateDamaged: boolean } {
  const stored = row.checkpoint !== null || row.rule_state_version > 0;
  if (row.rule_state_parts_field === null) return decodeRuleState(stored, row.rule_state);
  const bodies = row.part_bodies ?? [];
  const parts = (row.part_indexes ?? []).map((part, i) => ({ part, body: bodies[i]! }));
  const text = assembleRuleState(row.rule_state, row.rule_state_parts_field, parts);
  return text === undefined ? { ruleState: undefined, ruleStateDamaged: true } : decodeRuleState(stored, text);
}

/**
 * Writes the rule state's parts (when the commit brings them) and returns what
 * goes in tenant_state: the header and its field, or the whole state and NULL.
 */
async function storeRuleState(db: Queryable, tenant: string, commit: PageCommit | StreamCommit, storedField: string | null): Promise<{ text: string; field: string | null }> {
  const parts = commit.ruleStateParts;
  if (parts) {
    checkPartsBase(tenant, parts, commit.ruleStateVersion, storedField);
    await writeRuleStateParts(db, tenant, parts);
    return { text: parts.header, field: parts.field };
  }
  if (storedField !== null) await removeAllParts(db, tenant);
  return { text: commit.ruleStateJson ?? JSON.stringify(commit.ruleState ?? {}), field: null };
}

export async function listTenantStates(db: Queryable): Promise<NamedTenantState[]> {
  const { rows } = await db.query<TenantRow>(`${SELECT_TENANT} ORDER BY t.tenant COLLATE "C"`);
  return rows.map((row) => ({ tenant: row.tenant, ...toTenantState(row) }));
}

/**
 * The tenant's row, created if missing and then locked (FOR UPDATE) in the
 * caller's transaction: two writers of one tenant (replicas, a poll and a log
 * stream) are serialised on it, and the second sees what the first committed.
 */
async function lockPosition(db: Queryable, tenant: string): Promise<{ checkpoint: string | null; version: number; partsField: string | null }> {
  await db.query('INSERT INTO tenant_state (tenant) VALUES ($1) ON CONFLICT (tenant) DO NOTHING', [tenant]);
  const { rows } = await db.query<{ checkpoint: string | null; rule_state_version: number; rule_state_parts_field: string | null }>(
    'SELECT checkpoint, rule_state_version, rule_state_parts_field FROM tenant_state WHERE tenant = $1 FOR UPDATE',
    [tenant],
  );
  const checkpoint = rows[0]?.checkpoint ?? null;
  return {
    checkpoint: checkpoint === null ? null : fromPgText(checkpoint),
    version: rows[0]?.rule_state_version ?? 0,
    partsField: rows[0]?.rule_state_parts_field ?? null,
  };
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
  // Last: a part that cannot be stored rolls the page's alerts back with it.
  const ruleState = await storeRuleState(db, tenant, page, current.partsField);
  await db.query(
    `UPDATE tenant_state SET checkpoint = $2, checkpoint_date = COALESCE($3, checkpoint_date), rule_state = $4, rule_state_parts_field = $6,
       rule_state_version = rule_state_version + 1, last_poll_new_at = COALESCE($5, last_poll_new_at)
     WHERE tenant = $1`,
    [
      tenant,
      toPgText(page.checkpoint),
      page.checkpointDate === null ? null : cleanText(page.checkpointDate),
      ruleState.text,
      (page.logIds?.length ?? 0) > 0 ? now : null,
      ruleState.field,
    ],
  );
  return { ruleStateVersion: current.version + 1 };
}

/** A log-stream batch: alerts, rule state, seen ids and the delivery time, compare-and-set on the version; the checkpoint stays. */
export async function commitStreamBatch(db: Queryable, tenant: string, batch: StreamCommit): Promise<CommitResult> {
  const now = batch.now ?? new Date();
  const current = await lockPosition(db, tenant);
  checkVersion(tenant, current.version, batch.ruleStateVersion);
  const ids = await enqueueAlerts(db, tenant, batch.alerts, batch.defaultChannel, now);
  // Streamed alerts are held like polled ones; a mute's end waits for the poller's event clock (or the wall clock).
  await holdMutedRows(db, tenant, ids, null, now);
  if (batch.resolutionsApplied?.length) await markResolutionsApplied(db, batch.resolutionsApplied, now);
  await recordSeenLogIds(db, tenant, batch.logIds, now.getTime());
  await storeProfiles(db, tenant, batch.profiles);
  const ruleState = await storeRuleState(db, tenant, batch, current.partsField);
  await db.query(
    `UPDATE tenant_state SET rule_state = $2, rule_state_parts_field = $4, rule_state_version = rule_state_version + 1, last_stream_at = $3 WHERE tenant = $1`,
    [tenant, ruleState.text, now, ruleState.field],
  );
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
