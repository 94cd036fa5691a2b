import { PROFILE_RETENTION_MS, type Profile } from '../../engine/profiles.js';
import type { Queryable } from './query.js';
import { fromPgText, toPgText } from './text.js';

// Profile keys are NUL-separated values straight from log events: stored escaped (text.ts).

/** The stored profiles among `keys`, in one statement. */
export async function loadProfiles(db: Queryable, tenant: string, keys: readonly string[]): Promise<Map<string, Profile>> {
  const found = new Map<string, Profile>();
  if (keys.length === 0) return found;
  const { rows } = await db.query<{ key: string; profile: string }>('SELECT key, profile FROM profiles WHERE tenant = $1 AND key = ANY($2::text[])', [
    tenant,
    [...new Set(keys)].map(toPgText),
  ]);
  for (const row of rows) {
    try {
      found.set(fromPgText(row.key), JSON.parse(row.profile) as Profile);
    } catch {
      // A damaged row reads as absent: the key starts afresh (its next value is a baseline, not an alert).
    }
  }
  return found;
}

/** Upserts a page's changed profiles in the page's transaction, in one statement. */
export async function storeProfiles(db: Queryable, tenant: string, profiles: ReadonlyMap<string, Profile> | undefined): Promise<void> {
  if (!profiles || profiles.size === 0) return;
  const entries = [...profiles];
  await db.query(
    `INSERT INTO profiles (tenant, key, profile, seen_at)
     SELECT $1, key, profile, seen_at FROM unnest($2::text[], $3::text[], $4::bigint[]) AS p(key, profile, seen_at)
     ON CONFLICT (tenant, key) DO UPDATE SET profile = excluded.profile, seen_at = excluded.seen_at`,
    [tenant, entries.map(([key]) => toPgText(key)), entries.map(([, profile]) => JSON.stringify(profile)), entries.map(([, profile]) => Math.trunc(profile.seen))],
  );
}

export async function pruneProfiles(db: Queryable, now: Date, retentionMs: number = PROFILE_RETENTION_MS): Promise<number> {
  return (await db.query('DELETE FROM profiles WHERE seen_at < $1', [now.getTime() - retentionMs])).rowCount ?? 0;
}
