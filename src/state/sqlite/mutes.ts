import { decodeMute, type Mute, type StoredMute } from '../controls.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/** Reading mutes in SQLite. */

export function getMute(db: StateDb, id: number): Mute | undefined {
  const row = cachedStatement(db, 'SELECT * FROM mutes WHERE id = ?').get(id) as StoredMute | undefined;
  return row ? decodeMute(row) : undefined;
}

export function activeMutes(db: StateDb, tenant: string): StoredMute[] {
  return cachedStatement(db, 'SELECT * FROM mutes WHERE tenant = ? AND ended_at IS NULL ORDER BY id').all(tenant) as StoredMute[];
}

export function listMutes(db: StateDb, options: { active?: boolean } = {}): Mute[] {
  const sql = options.active === false ? 'SELECT * FROM mutes ORDER BY id' : 'SELECT * FROM mutes WHERE ended_at IS NULL ORDER BY id';
  return (cachedStatement(db, sql).all() as StoredMute[]).map(decodeMute);
}
