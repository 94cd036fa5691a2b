import { CheckpointMovedError, RuleStateConflictError } from '../../errors.js';
import { decodeRuleState } from '../decode.js';
import type { StateDb } from './db.js';
import { enqueueAlerts } from './outbox.js';
import { markResolutionsApplied } from './incident-actions.js';
import { holdMutedRows } from './mute-holds.js';
import { storeProfiles } from './profiles.js';
import { explainWriteError } from './errors.js';
import { cachedStatement } from './statements.js';
import { recordSeenLogIds } from './seen-log-ids.js';
import { readRuleStateParts, removeAllParts, writeRuleStateParts } from './rule-state-parts.js';
import { checkPartsBase } from '../rule-state-parts.js';
import type { CommitResult, NamedTenantState, PageCommit, PollOutcome, StreamCommit, TenantState } from '../store.js';

interface TenantRow {
  checkpoint: string | null;
  checkpoint_date: string | null;
  rule_state: string;
  rule_state_parts_field: string | null;
  last_poll_at: string | null;
  last_poll_ok: number | null;
  last_poll_error: string | null;
  last_success_at: string | null;
  rule_state_version: number;
  last_stream_at: string | null;
  last_poll_new_at: string | null;
}

export function readTenantState(db: StateDb, tenant: string): TenantState | undefined {
  // One read transaction: another process committing meanwhile cannot pair one version's header with another's parts.
  return db.transaction(() => readTenantRow(db, tenant))();
}

function readTenantRow(db: StateDb, tenant: string): TenantState | undefined {
  const row = cachedStatement(db, 'SELECT * FROM tenant_state WHERE tenant = ?').get(tenant) as TenantRow | undefined;
  if (!row) return undefined;
  return {
    checkpoint: row.checkpoint,
    checkpointDate: row.checkpoint_date,
    ...decodeStoredRuleState(db, tenant, row),
    lastPollAt: row.last_poll_at,
    lastPollOk: row.last_poll_ok === null ? null : row.last_poll_ok === 1,
    lastPollError: row.last_poll_error,
    lastSuccessAt: row.last_success_at,
    ruleStateVersion: row.rule_state_version,
    lastStreamAt: row.last_stream_at,
    lastPollNewAt: row.last_poll_new_at,
  };
}

/**
 * The durability point of the bot: the page's alerts, the rule state and the
 * checkpoint are stored in ONE transaction. A crash before it re-reads the page;
 * a crash after it never sees the page again.
 */
export function commitPage(db: StateDb, tenant: string, page: PageCommit): CommitResult {
  const now = page.now ?? new Date();
  const store = db.transaction((): CommitResult => {
    const current = readPosition(db, tenant);
    const stored = current?.checkpoint ?? null;
    const moved = page.after === undefined ? stored !== null && stored > page.checkpoint : stored !== page.after;
    if (moved) {
      // Another poller committed meanwhile: committing would alert on its events a second time.
      // Retryable: nothing of this page is stored, and the next cycle reads the new position and rule state.
      throw new CheckpointMovedError(
        `checkpoint of tenant ${tenant} moved to ${stored ?? 'none'} while this process read from ${page.after ?? page.checkpoint}: another auth0-log-alerts running with the same STATE_DB (e.g. an overlapping \`run --once\` from cron) stored these events first; nothing was stored twice, the next cycle goes on from there`,
      );
    }
    const version = checkVersion(tenant, current, page.ruleStateVersion);
    const ids = enqueueAlerts(db, tenant, page.alerts, page.defaultChannel, now);
    holdMutedRows(db, tenant, ids.map((id, i) => ({ id, alert: page.alerts[i]! })), page.checkpointDate, now);
    if (page.resolutionsApplied?.length) markResolutionsApplied(db, page.resolutionsApplied, now);
    recordSeenLogIds(db, tenant, page.logIds ?? [], now.getTime());
    storeProfiles(db, tenant, page.profiles);
    // Last: a part that cannot be stored rolls the page's alerts back with it.
    const ruleState = storeRuleState(db, tenant, page, current);
    cachedStatement(
      db,
      `INSERT INTO tenant_state (tenant, checkpoint, checkpoint_date, rule_state, rule_state_parts_field, rule_state_version, last_poll_new_at)
       VALUES (@tenant, @checkpoint, @checkpointDate, @ruleState, @partsField, 1, @newAt)
       ON CONFLICT (tenant) DO UPDATE SET
         checkpoint = excluded.checkpoint,
         checkpoint_date = COALESCE(excluded.checkpoint_date, tenant_state.checkpoint_date),
         rule_state = excluded.rule_state,
         rule_state_parts_field = excluded.rule_state_parts_field,
         rule_state_version = tenant_state.rule_state_version + 1,
         last_poll_new_at = COALESCE(excluded.last_poll_new_at, tenant_state.last_poll_new_at)`,
    ).run({
      tenant,
      checkpoint: page.checkpoint,
      checkpointDate: page.checkpointDate,
      ruleState: ruleState.text,
      partsField: ruleState.field,
      newAt: (page.logIds?.length ?? 0) > 0 ? now.toISOString() : null,
    });
    return { ruleStateVersion: version + 1 };
  });
  try {
    // IMMEDIATE takes the write lock first, so a busy database is waited for
    // (busy_timeout) instead of failing when the read of the checkpoint turns into a write.
    return store.immediate();
  } catch (error) {
    throw explainWriteError(error, `storing the page up to checkpoint ${page.checkpoint} of tenant ${tenant}`);
  }
}

/**
 * A log-stream batch: alerts, rule state, seen ids and the delivery time in one
 * transaction, compare-and-set on the rule-state version; the checkpoint stays.
 */
export function commitStreamBatch(db: StateDb, tenant: string, batch: StreamCommit): CommitResult {
  const now = batch.now ?? new Date();
  const store = db.transaction((): CommitResult => {
    const current = readPosition(db, tenant);
    const version = checkVersion(tenant, current, batch.ruleStateVersion);
    const ids = enqueueAlerts(db, tenant, batch.alerts, batch.defaultChannel, now);
    // Streamed alerts are held like polled ones; a mute's end waits for the poller's event clock (or the wall clock).
    holdMutedRows(db, tenant, ids.map((id, i) => ({ id, alert: batch.alerts[i]! })), null, now);
    if (batch.resolutionsApplied?.length) markResolutionsApplied(db, batch.resolutionsApplied, now);
    recordSeenLogIds(db, tenant, batch.logIds, now.getTime());
    storeProfiles(db, tenant, batch.profiles);
    const ruleState = storeRuleState(db, tenant, batch, current);
    cachedStatement(
      db,
      `INSERT INTO tenant_state (tenant, rule_state, rule_state_parts_field, rule_state_version, last_stream_at)
       VALUES (@tenant, @ruleState, @partsField, 1, @at)
       ON CONFLICT (tenant) DO UPDATE SET
         rule_state = excluded.rule_state,
         rule_state_parts_field = excluded.rule_state_parts_field,
         rule_state_version = tenant_state.rule_state_version + 1,
         last_stream_at = excluded.last_stream_at`,
    ).run({ tenant, ruleState: ruleState.text, partsField: ruleState.field, at: now.toISOString() });
    return { ruleStateVersion: version + 1 };
  });
  try {
    return store.immediate();
  } catch (error) {
    throw explainWriteError(error, `storing a log-stream batch of ${batch.logIds.length} event(s) of tenant ${tenant}`);
  }
}

type Position = { checkpoint: string | null; rule_state_version: number; rule_state_parts_field: string | null };

function readPosition(db: StateDb, tenant: string): Position | undefined {
  return cachedStatement(db, 'SELECT checkpoint, rule_state_version, rule_state_parts_field FROM tenant_state WHERE tenant = ?').get(tenant) as
    | Position
    | undefined;
}

/**
 * Writes the rule state's parts (when the commit brings them) and returns what
 * goes in tenant_state: the header and its field, or the whole state and NULL.
 */
function storeRuleState(db: StateDb, tenant: string, commit: PageCommit | StreamCommit, current: Position | undefined): { text: string; field: string | null } {
  const parts = commit.ruleStateParts;
  if (parts) {
    checkPartsBase(tenant, parts, commit.ruleStateVersion, current?.rule_state_parts_field ?? null);
    writeRuleStateParts(db, tenant, parts);
    return { text: parts.header, field: parts.field };
  }
  if (current?.rule_state_parts_field) removeAllParts(db, tenant);
  return { text: commit.ruleStateJson ?? JSON.stringify(commit.ruleState ?? {}), field: null };
}

/** The rule state as stored whole, or assembled from its parts (damaged when they do not assemble). */
function decodeStoredRuleState(db: StateDb, tenant: string, row: TenantRow): { ruleState: unknown; ruleStateDamaged: boolean } {
  const stored = row.checkpoint !== null || row.rule_state_version > 0;
  if (row.rule_state_parts_field === null) return decodeRuleState(stored, row.rule_state);
  const text = readRuleStateParts(db, tenant, row.rule_state, row.rule_state_parts_field);
  return text === undefined ? { ruleState: undefined, ruleStateDamaged: true } : decodeRuleState(stored, text);
}

/** The stored version, when it is the expected one (or none is expected). */
function checkVersion(tenant: string, current: { rule_state_version: number } | undefined, expected: number | undefined): number {
  const stored = current?.rule_state_version ?? 0;
  if (expected !== undefined && stored !== expected) {
    throw new RuleStateConflictError(
      `rule state of tenant ${tenant} moved to version ${stored} while this batch was evaluated on version ${expected} (another writer committed meanwhile); nothing was stored`,
    );
  }
  return stored;
}

/** Remembers how the last cycle went, for `status` and /healthz. */
export function recordPollOutcome(db: StateDb, tenant: string, outcome: PollOutcome): void {
  const at = (outcome.at ?? new Date()).toISOString();
  try {
    recordOutcomeRow(db, tenant, outcome, at);
  } catch (error) {
    throw explainWriteError(error, `recording the poll outcome of tenant ${tenant}`);
  }
}

function recordOutcomeRow(db: StateDb, tenant: string, outcome: PollOutcome, at: string): void {
  cachedStatement(
    db,
    `INSERT INTO tenant_state (tenant, last_poll_at, last_poll_ok, last_poll_error, last_success_at)
     VALUES (@tenant, @at, @ok, @error, @success)
     ON CONFLICT (tenant) DO UPDATE SET
       last_poll_at = excluded.last_poll_at,
       last_poll_ok = excluded.last_poll_ok,
       last_poll_error = excluded.last_poll_error,
       last_success_at = COALESCE(excluded.last_success_at, tenant_state.last_success_at)`,
  ).run({
    tenant,
    at,
    ok: outcome.ok ? 1 : 0,
    error: outcome.ok ? null : (outcome.error ?? 'unknown error').slice(0, 500),
    success: outcome.ok ? at : null,
  });
}

/** Every tenant row (status, health). */
export function listTenantStates(db: StateDb): NamedTenantState[] {
  const tenants = cachedStatement(db, 'SELECT tenant FROM tenant_state ORDER BY tenant').all() as Array<{ tenant: string }>;
  return tenants.map(({ tenant }) => ({ tenant, ...readTenantState(db, tenant)! }));
}
