import type { Alert } from '../../engine/alert.js';
import { MUTE_WALL_GRACE_MS, holdingMute, muteEndNote, mutePassed, releasePlan, type Mute } from '../controls.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';
import { activeMutes, getMute } from './mutes.js';
import { addNote } from './thread-notes.js';

/**
 * What a mute holds back, and its release when the mute ends, in SQLite;
 * run inside the caller's transaction.
 */

/**
 * Inside the page commit: rows of a muted rule / group whose events are dated
 * before the mute's end are held (status 'held', never posted while it holds);
 * then every mute the page's event time has passed ends. One SELECT of an
 * indexed, usually empty, set when nothing is muted.
 */
export function holdMutedRows(db: StateDb, tenant: string, rows: ReadonlyArray<{ id: number; alert: Alert }>, checkpointDate: string | null, now: Date): void {
  const active = activeMutes(db, tenant);
  if (active.length === 0) return;
  const hold = cachedStatement(db, `UPDATE outbox SET status = 'held', mute_id = ? WHERE id = ?`);
  const count = cachedStatement(db, 'UPDATE mutes SET held = held + ? WHERE id = ?');
  for (const { id, alert } of rows) {
    const mute = holdingMute(active, alert);
    if (!mute) continue;
    hold.run(mute.id, id);
    count.run(alert.count, mute.id);
  }
  for (const mute of active) if (mutePassed(mute, checkpointDate)) endMute(db, Number(mute.id), { reason: 'expired', by: null }, now);
}

/**
 * Ends a mute and releases what it held, in the caller's transaction:
 * incidents opened during the mute (a threshold crossed) go out as new alerts
 * with their repeats; the other held rows become `muted` rows, posted as one
 * reply in their incident's thread (with the incident's other pending
 * repeats). When the incident the mute was set on held nothing, a
 * `mute_ended` note says so in its thread. Returns the mute, or undefined
 * when it had already ended.
 */
export function endMute(db: StateDb, id: number, end: { reason: NonNullable<Mute['endReason']>; by: string | null }, now: Date): Mute | undefined {
  const changed = cachedStatement(db, 'UPDATE mutes SET ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(now.toISOString(), end.by, end.reason, id).changes;
  if (changed === 0) return undefined;
  const mute = getMute(db, id)!;
  const held = cachedStatement(db, `SELECT id, kind, incident, alert FROM outbox WHERE mute_id = ? AND status = 'held' ORDER BY id`).all(id) as Array<{
    id: number;
    kind: string;
    incident: string;
    alert: string;
  }>;
  const plan = releasePlan(held, mute.incident);
  const release = cachedStatement(db, `UPDATE outbox SET status = 'pending', kind = ? WHERE id = ?`);
  for (const row of plan.rows) release.run(row.kind, row.id);
  const kind = muteEndNote(end.reason, plan.originHeld);
  if (kind) {
    addNote(db, { tenant: mute.tenant, incident: mute.incident, channel: mute.channel, threadTs: mute.threadTs, kind, user: end.by, at: now.toISOString(), muteId: id, heldEvents: plan.heldEvents, released: plan.released });
  }
  return mute;
}

/** Mutes whose wall-clock end is MUTE_WALL_GRACE_MS past, though no event moved their tenant's clock past `until`. */
export function endOverdueMutes(db: StateDb, now: Date): Mute[] {
  const cutoff = new Date(now.getTime() - MUTE_WALL_GRACE_MS).toISOString();
  const overdue = cachedStatement(db, 'SELECT id FROM mutes WHERE ended_at IS NULL AND wall_until <= ?').all(cutoff) as Array<{ id: number }>;
  return overdue.flatMap(({ id }) => endMute(db, id, { reason: 'expired', by: null }, now) ?? []);
}
