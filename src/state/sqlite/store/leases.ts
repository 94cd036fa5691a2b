import type { LeaseStore } from '../../interface/leases.js';
import type { LeaseResult, ReplicaAnnouncement, ReplicaRecord, TenantLease, TenantLeaseResult } from '../../store.js';
import { acquireLease, releaseLease, renewLease } from '../leases.js';
import {
  acquireTenantLease,
  heartbeatReplica,
  listReplicas,
  listTenantLeases,
  releaseTenantLease,
  renewTenantLeases,
  retireReplica,
} from '../tenant-leases.js';
import type { SqliteRun } from './run.js';

/** The LeaseStore part of the SQLite StateStore (see ../store.ts). */
export function sqliteLeases(run: SqliteRun): LeaseStore {
  return {
    async acquireChannelLease(channel: string, owner: string, ttlMs: number, now: Date, options: { takeOverFrom?: string } = {}): Promise<LeaseResult> {
      return run.write(`taking the delivery lease of ${channel}`, () => acquireLease(run.db, channel, owner, ttlMs, now.getTime(), options.takeOverFrom));
    },

    async renewChannelLease(channel: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
      return run.write(`renewing the delivery lease of ${channel}`, () => renewLease(run.db, channel, owner, ttlMs, now.getTime()));
    },

    async releaseChannelLease(channel: string, owner: string): Promise<void> {
      run.write(`releasing the delivery lease of ${channel}`, () => releaseLease(run.db, channel, owner));
    },

    // The "database clock" of a file one process writes at a time is that process's clock.
    async heartbeatReplica(replica: ReplicaAnnouncement, ttlMs: number): Promise<ReplicaRecord[]> {
      return run.write('announcing this replica', () => heartbeatReplica(run.db, replica, ttlMs, Date.now()));
    },

    async listReplicas(): Promise<ReplicaRecord[]> {
      return listReplicas(run.db, Date.now());
    },

    async retireReplica(replica: string): Promise<void> {
      run.write('retiring this replica', () => retireReplica(run.db, replica));
    },

    async acquireTenantLease(tenant: string, owner: string, ttlMs: number): Promise<TenantLeaseResult> {
      return run.write(`taking the lease of tenant ${tenant}`, () => acquireTenantLease(run.db, tenant, owner, ttlMs, Date.now()));
    },

    async renewTenantLeases(owner: string, ttlMs: number): Promise<string[]> {
      return run.write('renewing tenant leases', () => renewTenantLeases(run.db, owner, ttlMs, Date.now()));
    },

    async releaseTenantLease(tenant: string, owner: string): Promise<void> {
      run.write(`releasing the lease of tenant ${tenant}`, () => releaseTenantLease(run.db, tenant, owner));
    },

    async listTenantLeases(): Promise<TenantLease[]> {
      return listTenantLeases(run.db, Date.now());
    },
  };
}
