import type { RuleStateParts } from '../interface/tenants.js';
import { assembleRuleState, partWrites } from '../rule-state-parts.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/** The whole text of a tenant's rule state stored in parts; undefined when the parts are damaged. */
export function readRuleStateParts(db: StateDb, tenant: string, header: string, field: string): string | undefined {
  const rows = cachedStatement(db, 'SELECT part, body FROM rule_state_parts WHERE tenant = ? ORDER BY part').all(tenant) as Array<{ part: number; body: string }>;
  return assembleRuleState(header, field, rows);
}

/** Writes the parts of a commit (inside its transaction): all of them when complete, else the changed ones. */
export function writeRuleStateParts(db: StateDb, tenant: string, parts: RuleStateParts): void {
  const { upserts, removed } = partWrites(parts);
  if (parts.complete) removeAllParts(db, tenant);
  const upsert = cachedStatement(
    db,
    'INSERT INTO rule_state_parts (tenant, part, body) VALUES (?, ?, ?) ON CONFLICT (tenant, part) DO UPDATE SET body = excluded.body',
  );
  for (const { part, body } of upserts) upsert.run(tenant, part, body);
  const remove = cachedStatement(db, 'DELETE FROM rule_state_parts WHERE tenant = ? AND part = ?');
  for (const part of removed) remove.run(tenant, part);
}

/** A state stored whole leaves no parts behind (they would be read instead of it). */
export function removeAllParts(db: StateDb, tenant: string): void {
  cachedStatement(db, 'DELETE FROM rule_state_parts WHERE tenant = ?').run(tenant);
}
