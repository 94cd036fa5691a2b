import type { LeaseResult } from '../store.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/** Takes the channel when it is free, expired, or already ours. */
export function acquireLease(db: StateDb, channel: string, owner: string, ttlMs: number, nowMs: number, takeOverFrom?: string): LeaseResult {
  const taken = cachedStatement(
    db,
    `INSERT INTO channel_leases (channel, owner, expires_at) VALUES (@channel, @owner, @expires)
     ON CONFLICT (channel) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
     WHERE channel_leases.owner = excluded.owner OR channel_leases.expires_at <= @now OR channel_leases.owner = @dead`,
  ).run({ channel, owner, expires: nowMs + ttlMs, now: nowMs, dead: takeOverFrom ?? null }).changes;
  if (taken > 0) return { held: true };
  const row = cachedStatement(db, `SELECT owner, expires_at AS expiresAt FROM channel_leases WHERE channel = ?`).get(channel) as
    | { owner: string; expiresAt: number }
    | undefined;
  return { held: false, owner: row?.owner ?? 'unknown', expiresAt: new Date(row?.expiresAt ?? nowMs) };
}

/**
 * Extends a lease only while the row is still ours — even past its expiry, as
 * long as nobody took it: then nobody else can have posted meanwhile. Once
 * another process took it (or it was released), the renewal fails.
 */
export function renewLease(db: StateDb, channel: string, owner: string, ttlMs: number, nowMs: number): boolean {
  return (
    cachedStatement(db, `UPDATE channel_leases SET expires_at = ? WHERE channel = ? AND owner = ?`).run(nowMs + ttlMs, channel, owner).changes > 0
  );
}

export function releaseLease(db: StateDb, channel: string, owner: string): void {
  cachedStatement(db, `DELETE FROM channel_leases WHERE channel = ? AND owner = ?`).run(channel, owner);
}
