import { PROFILE_RETENTION_MS, type Profile } from '../../engine/profiles.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/** The stored profiles among `keys` (one indexed look-up each: a page needs a few hundred at most). */
export function loadProfiles(db: StateDb, tenant: string, keys: readonly string[]): Map<string, Profile> {
  const found = new Map<string, Profile>();
  const get = cachedStatement(db, 'SELECT profile FROM profiles WHERE tenant = ? AND key = ?');
  for (const key of new Set(keys)) {
    const row = get.get(tenant, key) as { profile: string } | undefined;
    if (!row) continue;
    try {
      found.set(key, JSON.parse(row.profile) as Profile);
    } catch {
      // A damaged row reads as absent: the key starts afresh (its next value is a baseline, not an alert).
    }
  }
  return found;
}

/** Upserts a page's changed profiles; runs inside the page's transaction. */
export function storeProfiles(db: StateDb, tenant: string, profiles: ReadonlyMap<string, Profile> | undefined): void {
  if (!profiles || profiles.size === 0) return;
  const upsert = cachedStatement(
    db,
    `INSERT INTO profiles (tenant, key, profile, seen_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (tenant, key) DO UPDATE SET profile = excluded.profile, seen_at = excluded.seen_at`,
  );
  for (const [key, profile] of profiles) upsert.run(tenant, key, JSON.stringify(profile), Math.trunc(profile.seen));
}

export function pruneProfiles(db: StateDb, now: Date, retentionMs: number = PROFILE_RETENTION_MS): number {
  return cachedStatement(db, 'DELETE FROM profiles WHERE seen_at < ?').run(now.getTime() - retentionMs).changes;
}
