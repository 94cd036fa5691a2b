import type { Profile } from '../../../engine/profiles.js';
import type { TenantStateStore } from '../../interface/tenants.js';
import type { CommitResult, NamedTenantState, PageCommit, PollOutcome, StreamCommit, TenantState } from '../../store.js';
import { loadProfiles, pruneProfiles } from '../profiles.js';
import { pruneSeenLogIds, seenLogIds } from '../seen-log-ids.js';
import { commitPage, commitStreamBatch, listTenantStates, readTenantState, recordPollOutcome } from '../tenant-state.js';
import type { SqliteRun } from './run.js';

/** The TenantStateStore part of the SQLite StateStore (see ../store.ts). */
export function sqliteTenants(run: SqliteRun): TenantStateStore {
  return {
    async readTenant(tenant: string): Promise<TenantState | undefined> {
      return readTenantState(run.db, tenant);
    },

    async listTenants(): Promise<NamedTenantState[]> {
      return listTenantStates(run.db);
    },

    async commitPage(tenant: string, page: PageCommit): Promise<CommitResult> {
      return commitPage(run.db, tenant, page);
    },

    async recordPollOutcome(tenant: string, outcome: PollOutcome): Promise<void> {
      recordPollOutcome(run.db, tenant, outcome);
    },

    async loadProfiles(tenant: string, keys: readonly string[]): Promise<Map<string, Profile>> {
      return loadProfiles(run.db, tenant, keys);
    },

    async pruneProfiles(now: Date, retentionMs?: number): Promise<number> {
      return run.write('forgetting profiles unseen for long', () => pruneProfiles(run.db, now, retentionMs));
    },

    async seenLogIds(tenant: string, logIds: readonly string[]): Promise<Set<string>> {
      return seenLogIds(run.db, tenant, logIds);
    },

    async commitStreamBatch(tenant: string, batch: StreamCommit): Promise<CommitResult> {
      return commitStreamBatch(run.db, tenant, batch);
    },

    async pruneSeenLogIds(before: Date): Promise<number> {
      return run.write('forgetting old log ids', () => pruneSeenLogIds(run.db, before));
    },
  };
}
