import type { Alert } from '../../engine/alert.js';
import { MUTE_WALL_GRACE_MS, holdingMute, muteEndNote, mutePassed, releasePlan, type Mute } from '../controls.js';
import type { Queryable } from './query.js';
import { activeMutes, getMute } from './mutes.js';
import { addNote } from './thread-notes.js';

/**
 * What a mute holds back, and its release when the mute ends, in PostgreSQL, as
 * its SQLite twin (src/state/sqlite/mute-holds.ts); run inside the caller's
 * transaction.
 */

/** See the SQLite twin: rows of a muted group dated before its end are held; mutes the page's event time passed end. */
export async function holdMutedRows(db: Queryable, tenant: string, ids: readonly number[], checkpointDate: string | null, now: Date): Promise<void> {
  const active = await activeMutes(db, tenant);
  if (active.length === 0) return;
  const rows = ids.length > 0 ? (await db.query<{ id: string; alert: string }>('SELECT id, alert FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id', [[...ids]])).rows : [];
  for (const row of rows) {
    const alert = JSON.parse(row.alert) as Pick<Alert, 'ruleId' | 'group' | 'firstDate' | 'count'>;
    const mute = holdingMute(active, alert);
    if (!mute) continue;
    await db.query(`UPDATE outbox SET status = 'held', mute_id = $1 WHERE id = $2`, [mute.id, row.id]);
    await db.query('UPDATE mutes SET held = held + $1 WHERE id = $2', [alert.count, mute.id]);
  }
  for (const mute of active) if (mutePassed(mute, checkpointDate)) await endMute(db, Number(mute.id), { reason: 'expired', by: null }, now);
}

/** See the SQLite twin: ends a mute once and releases what it held. */
export async function endMute(db: Queryable, id: number, end: { reason: NonNullable<Mute['endReason']>; by: string | null }, now: Date): Promise<Mute | undefined> {
  const changed = (await db.query('UPDATE mutes SET ended_at = $1, ended_by = $2, end_reason = $3 WHERE id = $4 AND ended_at IS NULL', [now.toISOString(), end.by, end.reason, id])).rowCount ?? 0;
  if (changed === 0) return undefined;
  const mute = (await getMute(db, id))!;
  const held = (await db.query<{ id: string; kind: string; incident: string; alert: string }>(`SELECT id, kind, incident, alert FROM outbox WHERE mute_id = $1 AND status = 'held' ORDER BY id`, [id])).rows;
  const plan = releasePlan(held, mute.incident);
  for (const row of plan.rows) await db.query(`UPDATE outbox SET status = 'pending', kind = $1 WHERE id = $2`, [row.kind, row.id]);
  const kind = muteEndNote(end.reason, plan.originHeld);
  if (kind) {
    await addNote(db, { tenant: mute.tenant, incident: mute.incident, channel: mute.channel, threadTs: mute.threadTs, kind, user: end.by, at: now.toISOString(), muteId: id, heldEvents: plan.heldEvents, released: plan.released });
  }
  return mute;
}

export async function endOverdueMutes(db: Queryable, now: Date): Promise<Mute[]> {
  const cutoff = new Date(now.getTime() - MUTE_WALL_GRACE_MS).toISOString();
  const overdue = (await db.query<{ id: string }>('SELECT id FROM mutes WHERE ended_at IS NULL AND wall_until <= $1 ORDER BY id', [cutoff])).rows;
  const ended: Mute[] = [];
  for (const { id } of overdue) {
    const mute = await endMute(db, Number(id), { reason: 'expired', by: null }, now);
    if (mute) ended.push(mute);
  }
  return ended;
}
