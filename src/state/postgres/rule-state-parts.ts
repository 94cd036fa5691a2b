import type { RuleStateParts } from '../interface/tenants.js';
import { partWrites } from '../rule-state-parts.js';
import type { Queryable } from './query.js';

/** Writes the parts of a commit in the caller's transaction, in at most three statements. */
export async function writeRuleStateParts(db: Queryable, tenant: string, parts: RuleStateParts): Promise<void> {
  const { upserts, removed } = partWrites(parts);
  if (parts.complete) await removeAllParts(db, tenant);
  else if (removed.length > 0) await db.query('DELETE FROM rule_state_parts WHERE tenant = $1 AND part = ANY($2::integer[])', [tenant, removed]);
  if (upserts.length === 0) return;
  await db.query(
    `INSERT INTO rule_state_parts (tenant, part, body) SELECT $1, part, body FROM unnest($2::integer[], $3::text[]) AS p(part, body)
     ON CONFLICT (tenant, part) DO UPDATE SET body = excluded.body`,
    [tenant, upserts.map((row) => row.part), upserts.map((row) => row.body)],
  );
}

/** A state stored whole leaves no parts behind (they would be read instead of it). */
export async function removeAllParts(db: Queryable, tenant: string): Promise<void> {
  await db.query('DELETE FROM rule_state_parts WHERE tenant = $1', [tenant]);
}
