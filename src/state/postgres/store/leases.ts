import type { LeaseStore } from '../../interface/leases.js';
import type { LeaseResult, ReplicaAnnouncement, ReplicaRecord, TenantLease, TenantLeaseResult } from '../../store.js';
import { acquireChannelLease, releaseChannelLease, renewChannelLease } from '../channel-leases.js';
import {
  acquireTenantLease,
  heartbeatReplica,
  listReplicas,
  listTenantLeases,
  releaseTenantLease,
  renewTenantLeases,
  retireReplica,
} from '../tenant-leases.js';
import type { PgRun } from './run.js';

/** The LeaseStore part of the PostgreSQL StateStore (see ../store.ts). */
export function pgLeases(run: PgRun): LeaseStore {
  return {
    acquireChannelLease(channel: string, owner: string, ttlMs: number, now: Date, options: { takeOverFrom?: string } = {}): Promise<LeaseResult> {
      return run.statement(`taking the delivery lease of ${channel}`, (db) => acquireChannelLease(db, channel, owner, ttlMs, now.getTime(), options.takeOverFrom));
    },

    renewChannelLease(channel: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
      return run.statement(`renewing the delivery lease of ${channel}`, (db) => renewChannelLease(db, channel, owner, ttlMs, now.getTime()));
    },

    releaseChannelLease(channel: string, owner: string): Promise<void> {
      return run.statement(`releasing the delivery lease of ${channel}`, (db) => releaseChannelLease(db, channel, owner));
    },

    heartbeatReplica(replica: ReplicaAnnouncement, ttlMs: number): Promise<ReplicaRecord[]> {
      return run.write('announcing this replica', (db) => heartbeatReplica(db, replica, ttlMs));
    },

    listReplicas(): Promise<ReplicaRecord[]> {
      return run.statement('listing replicas', (db) => listReplicas(db));
    },

    retireReplica(replica: string): Promise<void> {
      return run.write('retiring this replica', (db) => retireReplica(db, replica));
    },

    acquireTenantLease(tenant: string, owner: string, ttlMs: number): Promise<TenantLeaseResult> {
      return run.statement(`taking the lease of tenant ${tenant}`, (db) => acquireTenantLease(db, tenant, owner, ttlMs));
    },

    renewTenantLeases(owner: string, ttlMs: number): Promise<string[]> {
      return run.statement('renewing tenant leases', (db) => renewTenantLeases(db, owner, ttlMs));
    },

    releaseTenantLease(tenant: string, owner: string): Promise<void> {
      return run.statement(`releasing the lease of tenant ${tenant}`, (db) => releaseTenantLease(db, tenant, owner));
    },

    listTenantLeases(): Promise<TenantLease[]> {
      return run.statement('listing tenant leases', (db) => listTenantLeases(db));
    },
  };
}
