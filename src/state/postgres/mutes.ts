import { decodeMute, type Mute, type StoredMute } from '../controls.js';
import type { Queryable } from './query.js';

/** Reading mutes in PostgreSQL, as its SQLite twin (src/state/sqlite/mutes.ts). */

export async function getMute(db: Queryable, id: number): Promise<Mute | undefined> {
  const { rows } = await db.query<StoredMute>('SELECT * FROM mutes WHERE id = $1', [id]);
  return rows[0] ? decodeMute(rows[0]) : undefined;
}

export async function activeMutes(db: Queryable, tenant: string): Promise<StoredMute[]> {
  return (await db.query<StoredMute>('SELECT * FROM mutes WHERE tenant = $1 AND ended_at IS NULL ORDER BY id', [tenant])).rows;
}

export async function listMutes(db: Queryable, options: { active?: boolean } = {}): Promise<Mute[]> {
  const sql = options.active === false ? 'SELECT * FROM mutes ORDER BY id' : 'SELECT * FROM mutes WHERE ended_at IS NULL ORDER BY id';
  return (await db.query<StoredMute>(sql)).rows.map(decodeMute);
}
