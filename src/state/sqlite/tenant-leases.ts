import type { ReplicaAnnouncement, ReplicaRecord, TenantLease, TenantLeaseResult } from '../store.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/** Replicas whose heartbeat ran out this long ago are forgotten. */
const FORGET_REPLICAS_AFTER_MS = 60 * 60 * 1000;

const iso = (ms: number) => new Date(ms).toISOString();

interface ReplicaRow {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

export function heartbeatReplica(db: StateDb, replica: ReplicaAnnouncement, ttlMs: number, nowMs: number): ReplicaRecord[] {
  cachedStatement(
    db,
    `INSERT INTO replicas (id, host, pid, started_at, heartbeat_at, expires_at) VALUES (@id, @host, @pid, @now, @now, @expires)
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
  ).run({ ...replica, now: nowMs, expires: nowMs + ttlMs });
  cachedStatement(db, `DELETE FROM replicas WHERE expires_at < ?`).run(nowMs - FORGET_REPLICAS_AFTER_MS);
  return listReplicas(db, nowMs);
}

export function listReplicas(db: StateDb, nowMs: number): ReplicaRecord[] {
  const rows = cachedStatement(db, `SELECT * FROM replicas WHERE expires_at > ? ORDER BY started_at, id`).all(nowMs) as ReplicaRow[];
  return rows.map((row) => ({
    id: row.id,
    host: row.host,
    pid: row.pid,
    startedAt: iso(row.started_at),
    heartbeatAt: iso(row.heartbeat_at),
    expiresAt: iso(row.expires_at),
  }));
}

export function retireReplica(db: StateDb, replica: string): void {
  cachedStatement(db, `DELETE FROM tenant_leases WHERE owner = ?`).run(replica);
  cachedStatement(db, `DELETE FROM replicas WHERE id = ?`).run(replica);
}

export function acquireTenantLease(db: StateDb, tenant: string, owner: string, ttlMs: number, nowMs: number): TenantLeaseResult {
  const taken = cachedStatement(
    db,
    `INSERT INTO tenant_leases (tenant, owner, acquired_at, expires_at) VALUES (@tenant, @owner, @now, @expires)
     ON CONFLICT (tenant) DO UPDATE SET
       owner = excluded.owner,
       expires_at = excluded.expires_at,
       acquired_at = CASE WHEN tenant_leases.owner = excluded.owner THEN tenant_leases.acquired_at ELSE excluded.acquired_at END
     WHERE tenant_leases.owner = excluded.owner OR tenant_leases.expires_at <= @now`,
  ).run({ tenant, owner, now: nowMs, expires: nowMs + ttlMs }).changes;
  const row = cachedStatement(db, `SELECT owner, expires_at AS expiresAt FROM tenant_leases WHERE tenant = ?`).get(tenant) as { owner: string; expiresAt: number };
  return taken > 0 ? { held: true, expiresAt: iso(row.expiresAt) } : { held: false, owner: row.owner, expiresAt: iso(row.expiresAt) };
}

export function renewTenantLeases(db: StateDb, owner: string, ttlMs: number, nowMs: number): string[] {
  const rows = cachedStatement(db, `UPDATE tenant_leases SET expires_at = ? WHERE owner = ? RETURNING tenant`).all(nowMs + ttlMs, owner) as { tenant: string }[];
  return rows.map((row) => row.tenant).sort();
}

export function releaseTenantLease(db: StateDb, tenant: string, owner: string): void {
  cachedStatement(db, `DELETE FROM tenant_leases WHERE tenant = ? AND owner = ?`).run(tenant, owner);
}

export function listTenantLeases(db: StateDb, nowMs: number): TenantLease[] {
  const rows = cachedStatement(db, `SELECT tenant, owner, acquired_at, expires_at FROM tenant_leases ORDER BY tenant`).all() as Array<{
    tenant: string;
    owner: string;
    acquired_at: number;
    expires_at: number;
  }>;
  return rows.map((row) => ({
    tenant: row.tenant,
    owner: row.owner,
    acquiredAt: iso(row.acquired_at),
    expiresAt: iso(row.expires_at),
    expired: row.expires_at <= nowMs,
  }));
}
