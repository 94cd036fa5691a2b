import type { Profile } from '../../../engine/profiles.js';
import type { TenantStateStore } from '../../interface/tenants.js';
import type { CommitResult, NamedTenantState, PageCommit, PollOutcome, StreamCommit, TenantState } from '../../store.js';
import { loadProfiles, pruneProfiles } from '../profiles.js';
import { pruneSeenLogIds, seenLogIds } from '../seen-log-ids.js';
import { commitPage, commitStreamBatch, listTenantStates, readTenantState, recordPollOutcome } from '../tenant-state.js';
import type { PgRun } from './run.js';

/** The TenantStateStore part of the PostgreSQL StateStore (see ../store.ts). */
export function pgTenants(run: PgRun): TenantStateStore {
  return {
    readTenant(tenant: string): Promise<TenantState | undefined> {
      return run.statement(`reading the state of tenant ${tenant}`, (db) => readTenantState(db, tenant));
    },

    listTenants(): Promise<NamedTenantState[]> {
      return run.statement('listing tenants', (db) => listTenantStates(db));
    },

    commitPage(tenant: string, page: PageCommit): Promise<CommitResult> {
      return run.write(`storing the page up to checkpoint ${page.checkpoint} of tenant ${tenant}`, (db) => commitPage(db, tenant, page));
    },

    recordPollOutcome(tenant: string, outcome: PollOutcome): Promise<void> {
      return run.statement(`recording the poll outcome of tenant ${tenant}`, (db) => recordPollOutcome(db, tenant, outcome));
    },

    loadProfiles(tenant: string, keys: readonly string[]): Promise<Map<string, Profile>> {
      return run.statement(`reading profiles of tenant ${tenant}`, (db) => loadProfiles(db, tenant, keys));
    },

    pruneProfiles(now: Date, retentionMs?: number): Promise<number> {
      return run.statement('forgetting profiles unseen for long', (db) => pruneProfiles(db, now, retentionMs));
    },

    seenLogIds(tenant: string, logIds: readonly string[]): Promise<Set<string>> {
      return run.statement(`reading seen log ids of tenant ${tenant}`, (db) => seenLogIds(db, tenant, logIds));
    },

    commitStreamBatch(tenant: string, batch: StreamCommit): Promise<CommitResult> {
      return run.write(`storing a log-stream batch of ${batch.logIds.length} event(s) of tenant ${tenant}`, (db) => commitStreamBatch(db, tenant, batch));
    },

    pruneSeenLogIds(before: Date): Promise<number> {
      return run.statement('forgetting old seen log ids', (db) => pruneSeenLogIds(db, before));
    },
  };
}
