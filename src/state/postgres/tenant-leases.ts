import type { ReplicaAnnouncement, ReplicaRecord, TenantLease, TenantLeaseResult } from '../store.js';
import { iso, type Queryable } from './query.js';

// Every expiry here is set and judged by the server's now(): replicas' clocks
// may disagree, the database's is one. `$ttl * interval '1 millisecond'` keeps ms.

interface ReplicaRow {
  id: string;
  host: string;
  pid: number;
  started_at: Date;
  heartbeat_at: Date;
  expires_at: Date;
}

/** Announces the replica (in the caller's transaction) and lists the live ones. */
export async function heartbeatReplica(db: Queryable, replica: ReplicaAnnouncement, ttlMs: number): Promise<ReplicaRecord[]> {
  await db.query(
    `INSERT INTO replicas (id, host, pid, started_at, heartbeat_at, expires_at)
     VALUES ($1, $2, $3, now(), now(), now() + $4 * interval '1 millisecond')
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
    [replica.id, replica.host, replica.pid, ttlMs],
  );
  // Replicas whose heartbeat ran out an hour ago are forgotten.
  await db.query(`DELETE FROM replicas WHERE expires_at < now() - interval '1 hour'`);
  return listReplicas(db);
}

export async function listReplicas(db: Queryable): Promise<ReplicaRecord[]> {
  const { rows } = await db.query<ReplicaRow>(`SELECT * FROM replicas WHERE expires_at > now() ORDER BY started_at, id COLLATE "C"`);
  return rows.map((row) => ({
    id: row.id,
    host: row.host,
    pid: row.pid,
    startedAt: iso(row.started_at)!,
    heartbeatAt: iso(row.heartbeat_at)!,
    expiresAt: iso(row.expires_at)!,
  }));
}

export async function retireReplica(db: Queryable, replica: string): Promise<void> {
  await db.query(`DELETE FROM tenant_leases WHERE owner = $1`, [replica]);
  await db.query(`DELETE FROM replicas WHERE id = $1`, [replica]);
}

/**
 * Takes the tenant when free, expired or already ours, in one statement: the
 * row's lock serialises two replicas trying at once, and the loser's WHERE
 * sees the winner's unexpired lease.
 */
export async function acquireTenantLease(db: Queryable, tenant: string, owner: string, ttlMs: number): Promise<TenantLeaseResult> {
  const taken = await db.query<{ expires_at: Date }>(
    `INSERT INTO tenant_leases AS l (tenant, owner, acquired_at, expires_at)
     VALUES ($1, $2, now(), now() + $3 * interval '1 millisecond')
     ON CONFLICT (tenant) DO UPDATE SET
       owner = excluded.owner,
       expires_at = excluded.expires_at,
       acquired_at = CASE WHEN l.owner = excluded.owner THEN l.acquired_at ELSE excluded.acquired_at END
     WHERE l.owner = excluded.owner OR l.expires_at <= now()
     RETURNING expires_at`,
    [tenant, owner, ttlMs],
  );
  if (taken.rows[0]) return { held: true, expiresAt: iso(taken.rows[0].expires_at)! };
  const { rows } = await db.query<{ owner: string; expires_at: Date }>(`SELECT owner, expires_at FROM tenant_leases WHERE tenant = $1`, [tenant]);
  return { held: false, owner: rows[0]?.owner ?? 'unknown', expiresAt: iso(rows[0]?.expires_at) ?? new Date().toISOString() };
}

export async function renewTenantLeases(db: Queryable, owner: string, ttlMs: number): Promise<string[]> {
  const { rows } = await db.query<{ tenant: string }>(
    `UPDATE tenant_leases SET expires_at = now() + $2 * interval '1 millisecond' WHERE owner = $1 RETURNING tenant`,
    [owner, ttlMs],
  );
  return rows.map((row) => row.tenant).sort();
}

export async function releaseTenantLease(db: Queryable, tenant: string, owner: string): Promise<void> {
  await db.query(`DELETE FROM tenant_leases WHERE tenant = $1 AND owner = $2`, [tenant, owner]);
}

export async function listTenantLeases(db: Queryable): Promise<TenantLease[]> {
  const { rows } = await db.query<{ tenant: string; owner: string; acquired_at: Date; expires_at: Date; expired: boolean }>(
    `SELECT tenant, owner, acquired_at, expires_at, expires_at <= now() AS expired FROM tenant_leases ORDER BY tenant COLLATE "C"`,
  );
  return rows.map((row) => ({ tenant: row.tenant, owner: row.owner, acquiredAt: iso(row.acquired_at)!, expiresAt: iso(row.expires_at)!, expired: row.expired }));
}
