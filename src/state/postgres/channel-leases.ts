import type { LeaseResult } from '../store.js';
import type { Queryable } from './query.js';

// One writer per channel. The contract passes the caller's clock (`nowMs`), as
// SQLite's does: expiry is kept in epoch ms and compared with it. One
// statement each: the row's lock serialises two replicas taking it at once.

/** Takes the channel when it is free, expired, already ours, or its owner is known dead. */
export async function acquireChannelLease(db: Queryable, channel: string, owner: string, ttlMs: number, nowMs: number, takeOverFrom?: string): Promise<LeaseResult> {
  const taken = await db.query(
    `INSERT INTO channel_leases AS l (channel, owner, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (channel) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
     WHERE l.owner = excluded.owner OR l.expires_at <= $4 OR l.owner = $5`,
    [channel, owner, nowMs + ttlMs, nowMs, takeOverFrom ?? null],
  );
  if ((taken.rowCount ?? 0) > 0) return { held: true };
  const { rows } = await db.query<{ owner: string; expires_at: number }>(`SELECT owner, expires_at FROM channel_leases WHERE channel = $1`, [channel]);
  return { held: false, owner: rows[0]?.owner ?? 'unknown', expiresAt: new Date(rows[0]?.expires_at ?? nowMs) };
}

/** Extends a lease only while the row is still ours — even past its expiry, as long as nobody took it. */
export async function renewChannelLease(db: Queryable, channel: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean> {
  const result = await db.query(`UPDATE channel_leases SET expires_at = $1 WHERE channel = $2 AND owner = $3`, [nowMs + ttlMs, channel, owner]);
  return (result.rowCount ?? 0) > 0;
}

export async function releaseChannelLease(db: Queryable, channel: string, owner: string): Promise<void> {
  await db.query(`DELETE FROM channel_leases WHERE channel = $1 AND owner = $2`, [channel, owner]);
}
