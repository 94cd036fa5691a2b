import { z } from 'zod';

/**
 * Who may do what right now — one writer per Slack channel, one poller per
 * tenant: part of StateStore (src/state/store.ts).
 */
export interface LeaseStore {
  // ── One writer per channel ─────────────────────────────────────────────
  /**
   * Takes the right to post to `channel` until `now + ttlMs`, unless another
   * owner holds an unexpired lease. Every process (and, with PostgreSQL, every
   * replica) delivering the outbox takes a channel's lease before reading its
   * rows and renews it before each Slack call, so two never post the same row.
   * `takeOverFrom`: that owner is known to be dead (a killed process on this
   * host): its lease is taken at once instead of waiting for it to expire.
   */
  acquireChannelLease(channel: string, owner: string, ttlMs: number, now: Date, options?: { takeOverFrom?: string }): Promise<LeaseResult>;
  /** Extends the lease while it is still ours (false: another owner took it — stop at once). */
  renewChannelLease(channel: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseChannelLease(channel: string, owner: string): Promise<void>;

  // ── Replicas and tenant leases: one poller per tenant ──────────────────
  // Judged by the database's clock (PostgreSQL: now(); SQLite, one process per
  // file: the process's), never by a replica's own: a replica whose clock is
  // wrong cannot take a tenant early. See src/cluster/.
  /**
   * Announces this replica alive for `ttlMs` more; returns every replica alive
   * now, this one included, oldest first: a replica takes at most
   * ceil(tenants / replicas alive) tenants.
   */
  heartbeatReplica(replica: ReplicaAnnouncement, ttlMs: number): Promise<ReplicaRecord[]>;
  /** The replicas alive now (by the database's clock), oldest first, without announcing anyone (status). */
  listReplicas(): Promise<ReplicaRecord[]>;
  /** A replica stopping: its heartbeat and every tenant lease it holds go, so others take over at once. */
  retireReplica(replica: string): Promise<void>;
  /** Takes the tenant for `owner` for `ttlMs` when no one holds it, its lease ran out, or it is already `owner`'s. */
  acquireTenantLease(tenant: string, owner: string, ttlMs: number): Promise<TenantLeaseResult>;
  /**
   * Extends every lease `owner` still holds by `ttlMs` (from now); returns the
   * tenants renewed. A lease past its expiry is renewed as long as no one else
   * took it; a tenant missing from the answer was taken: stop polling it.
   */
  renewTenantLeases(owner: string, ttlMs: number): Promise<string[]>;
  releaseTenantLease(tenant: string, owner: string): Promise<void>;
  /** Who holds which tenant (status, /healthz), ordered by tenant; expired leases included, marked. */
  listTenantLeases(): Promise<TenantLease[]>;
}

export type LeaseResult = { held: true } | { held: false; owner: string; expiresAt: Date };

/** What a replica says about itself when it announces itself. */
export interface ReplicaAnnouncement {
  /** REPLICA_ID, or host:pid:random. */
  id: string;
  host: string;
  pid: number;
}

export const ReplicaRecordSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  expiresAt: z.string(),
});
export type ReplicaRecord = z.infer<typeof ReplicaRecordSchema>;

export type TenantLeaseResult = { held: true; expiresAt: string } | { held: false; owner: string; expiresAt: string };

export const TenantLeaseSchema = z.object({
  tenant: z.string(),
  owner: z.string(),
  acquiredAt: z.string(),
  expiresAt: z.string(),
  /** Past its expiry by the database's clock: any replica may take it. */
  expired: z.boolean(),
});
export type TenantLease = z.infer<typeof TenantLeaseSchema>;
