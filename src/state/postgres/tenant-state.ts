import { CheckpointMovedError } from '../../errors.js';
import type { NamedTenantState, PageCommit, PollOutcome, TenantState } from '../store.js';
import { decodeRuleState } from '../decode.js';
import { enqueueAlerts } from './outbox.js';
import { storeProfiles } from './profiles.js';
import { iso, type Queryable } from './query.js';

interface TenantRow {
  tenant: string;
  checkpoint: string | null;
  checkpoint_date: string | null;
  rule_state: string;
  last_poll_at: Date | null;
  last_poll_ok: boolean | null;
  last_poll_error: string | null;
  last_success_at: Date | null;
}

function toTenantState(row: TenantRow): TenantState {
  return {
    checkpoint: row.checkpoint,
    checkpointDate: row.checkpoint_date,
    ...decodeRuleState(row.checkpoint, row.rule_state),
    lastPollAt: iso(row.last_poll_at),
    lastPollOk: row.last_poll_ok,
    lastPollError: row.last_poll_error,
    lastSuccessAt: iso(row.last_success_at),
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
 * The durability point: the page's alerts, the rule state and the checkpoint
 * in the caller's transaction, refused when the stored checkpoint moved
 * (compare-and-set). The tenant's row is created if missing and then locked
 * (FOR UPDATE), so two replicas committing at once are serialised on it and
 * the second sees the first's checkpoint.
 */
export async function commitPage(db: Queryable, tenant: string, page: PageCommit): Promise<void> {
  const ruleStateJson = page.ruleStateJson ?? JSON.stringify(page.ruleState ?? {});
  await db.query('INSERT INTO tenant_state (tenant) VALUES ($1) ON CONFLICT (tenant) DO NOTHING', [tenant]);
  const { rows } = await db.query<{ checkpoint: string | null }>('SELECT checkpoint FROM tenant_state WHERE tenant = $1 FOR UPDATE', [tenant]);
  const stored = rows[0]?.checkpoint ?? null;
  const moved = page.after === undefined ? stored !== null && stored > page.checkpoint : stored !== page.after;
  if (moved) {
    throw new CheckpointMovedError(
      `checkpoint of tenant ${tenant} moved to ${stored ?? 'none'} while this process read from ${page.after ?? page.checkpoint}; is another auth0-log-alerts running with the same STATE_DB (e.g. overlapping \`run --once\` from cron) or DATABASE_URL?`,
    );
  }
  await enqueueAlerts(db, tenant, page.alerts, page.defaultChannel, page.now);
  await storeProfiles(db, tenant, page.profiles);
  await db.query(
    `UPDATE tenant_state SET checkpoint = $2, checkpoint_date = COALESCE($3, checkpoint_date), rule_state = $4 WHERE tenant = $1`,
    [tenant, page.checkpoint, page.checkpointDate, ruleStateJson],
  );
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
    [tenant, at, outcome.ok, outcome.ok ? null : (outcome.error ?? 'unknown error').slice(0, 500), outcome.ok ? at : null],
  );
}
