import type { Alert } from '../../engine/alert.js';
import {
  MUTE_WALL_GRACE_MS,
  decodeMute,
  decodeThreadNote,
  groupKey,
  holdingMute,
  muteEndNote,
  mutePassed,
  releasePlan,
  type StoredMute,
  type StoredThreadNote,
  type IncidentActionRequest,
  type IncidentActionResult,
  type IncidentControls,
  type Mute,
  type ThreadNote,
  type ThreadNoteKind,
  type ThreadNoteOutcome,
} from '../controls.js';
import type { Queryable } from './query.js';

/**
 * Acknowledge / Resolve / Mute in PostgreSQL, the same behaviour as
 * src/state/sqlite/controls.ts (the contract suite holds both to it). Times are
 * ISO-8601 text as the interface speaks them (they compare in order); every
 * function runs inside the caller's transaction.
 */
export const PG_CONTROLS_MIGRATION = `
  CREATE TABLE incident_controls (
    incident               text PRIMARY KEY,
    tenant                 text NOT NULL,
    rule_id                text NOT NULL,
    acked_by               text,
    acked_at               text,
    resolved_by            text,
    resolved_at            text,
    resolution_applied_at  text,
    updated_at             text NOT NULL
  );
  CREATE INDEX incident_controls_unapplied ON incident_controls (tenant) WHERE resolved_at IS NOT NULL AND resolution_applied_at IS NULL;
  CREATE TABLE mutes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant       text NOT NULL,
    rule_id      text NOT NULL,
    group_key    text,
    group_json   text,
    incident     text NOT NULL,
    channel      text NOT NULL,
    thread_ts    text,
    created_by   text NOT NULL,
    created_at   text NOT NULL,
    duration_ms  bigint NOT NULL,
    starts_at    text NOT NULL,
    until        text NOT NULL,
    wall_until   text NOT NULL,
    ended_at     text,
    ended_by     text,
    end_reason   text,
    held         integer NOT NULL DEFAULT 0
  );
  CREATE INDEX mutes_active ON mutes (tenant) WHERE ended_at IS NULL;
  CREATE TABLE thread_notes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant         text NOT NULL,
    incident       text NOT NULL,
    channel        text NOT NULL,
    thread_ts      text,
    kind           text NOT NULL,
    user_id        text,
    at             text NOT NULL,
    mute_id        bigint,
    held_events    integer NOT NULL DEFAULT 0,
    released       integer NOT NULL DEFAULT 0,
    status         text NOT NULL DEFAULT 'due',
    claimed_by     text,
    claimed_until  bigint,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    posted_ts      text
  );
  CREATE INDEX thread_notes_due ON thread_notes (status, id);
  ALTER TABLE outbox ADD COLUMN mute_id bigint;
  CREATE INDEX outbox_by_mute ON outbox (mute_id, status) WHERE mute_id IS NOT NULL;
`;

async function getMute(db: Queryable, id: number): Promise<Mute | undefined> {
  const { rows } = await db.query<StoredMute>('SELECT * FROM mutes WHERE id = $1', [id]);
  return rows[0] ? decodeMute(rows[0]) : undefined;
}

async function activeMutes(db: Queryable, tenant: string): Promise<StoredMute[]> {
  return (await db.query<StoredMute>('SELECT * FROM mutes WHERE tenant = $1 AND ended_at IS NULL ORDER BY id', [tenant])).rows;
}

export async function listMutes(db: Queryable, options: { active?: boolean } = {}): Promise<Mute[]> {
  const sql = options.active === false ? 'SELECT * FROM mutes ORDER BY id' : 'SELECT * FROM mutes WHERE ended_at IS NULL ORDER BY id';
  return (await db.query<StoredMute>(sql)).rows.map(decodeMute);
}

interface Subject {
  incident: string;
  tenant: string;
  ruleId: string;
  group: Record<string, string | null>;
  channel: string;
  threadTs: string | null;
  lastDate: string;
}

async function incidentSubject(db: Queryable, incident: string): Promise<Subject | undefined> {
  const { rows } = await db.query<{ tenant: string; rule_id: string; alert: string }>(
    `SELECT tenant, rule_id, alert FROM outbox WHERE incident = $1 ORDER BY (kind = 'alert') DESC, id DESC LIMIT 1`,
    [incident],
  );
  const row = rows[0];
  if (!row) return undefined;
  const alert = JSON.parse(row.alert) as Pick<Alert, 'group' | 'lastDate'>;
  const thread = (await db.query<{ channel: string; message_ts: string | null }>('SELECT channel, message_ts FROM incidents WHERE incident = $1', [incident])).rows[0];
  return { incident, tenant: row.tenant, ruleId: row.rule_id, group: alert.group, channel: thread?.channel ?? '', threadTs: thread?.message_ts ?? null, lastDate: alert.lastDate };
}

export async function incidentControls(db: Queryable, incident: string): Promise<IncidentControls | undefined> {
  const row = (
    await db.query<{ tenant: string; rule_id: string; acked_by: string | null; acked_at: string | null; resolved_by: string | null; resolved_at: string | null }>(
      'SELECT * FROM incident_controls WHERE incident = $1',
      [incident],
    )
  ).rows[0];
  const subject = await incidentSubject(db, incident);
  const tenant = row?.tenant ?? subject?.tenant;
  const ruleId = row?.rule_id ?? subject?.ruleId;
  if (tenant === undefined || ruleId === undefined) return undefined;
  const key = groupKey(subject?.group ?? {});
  const mutes = (await activeMutes(db, tenant)).filter((mute) => mute.rule_id === ruleId && (mute.group_key === null || mute.group_key === key)).map(decodeMute);
  return {
    incident,
    tenant,
    ruleId,
    ackedBy: row?.acked_by ?? null,
    ackedAt: row?.acked_at ?? null,
    resolvedBy: row?.resolved_by ?? null,
    resolvedAt: row?.resolved_at ?? null,
    mutes,
  };
}

async function upsertControls(db: Queryable, subject: Pick<Subject, 'incident' | 'tenant' | 'ruleId'>, now: string): Promise<void> {
  await db.query(
    `INSERT INTO incident_controls (incident, tenant, rule_id, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (incident) DO UPDATE SET updated_at = excluded.updated_at`,
    [subject.incident, subject.tenant, subject.ruleId, now],
  );
}

async function addNote(
  db: Queryable,
  note: { tenant: string; incident: string; channel: string; threadTs: string | null; kind: ThreadNoteKind; user: string | null; at: string; muteId?: number; heldEvents?: number; released?: number },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO thread_notes (tenant, incident, channel, thread_ts, kind, user_id, at, mute_id, held_events, released)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [note.tenant, note.incident, note.channel, note.threadTs, note.kind, note.user, note.at, note.muteId ?? null, note.heldEvents ?? 0, note.released ?? 0],
  );
  return Number(rows[0]!.id);
}

export async function recordIncidentAction(db: Queryable, request: IncidentActionRequest): Promise<IncidentActionResult> {
  const now = request.at.toISOString();
  let subject: Subject | undefined;
  if ('digestRowId' in request) {
    const row = (await db.query<{ incident: string }>('SELECT incident FROM outbox WHERE id = $1', [request.digestRowId])).rows[0];
    subject = row ? await incidentSubject(db, row.incident) : undefined;
    if (subject) subject = { ...subject, threadTs: request.messageTs, channel: request.channel };
  } else {
    subject = await incidentSubject(db, request.incident);
  }
  if (!subject) return { applied: false, why: 'unknown_incident' };
  // One click at a time per incident: two people clicking at once do not both win.
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident-controls:${subject.incident}`]);
  const channel = subject.channel || request.channel;
  const threadTs = subject.threadTs ?? request.messageTs;
  const before = await incidentControls(db, subject.incident);
  if (request.action === 'acknowledge' || request.action === 'resolve') {
    if (before?.resolvedBy) return { applied: false, why: 'already_resolved', controls: before };
    if (request.action === 'acknowledge' && before?.ackedBy) return { applied: false, why: 'already_acknowledged', controls: before };
    await upsertControls(db, subject, now);
    const sql =
      request.action === 'acknowledge'
        ? 'UPDATE incident_controls SET acked_by = $1, acked_at = $2 WHERE incident = $3'
        : 'UPDATE incident_controls SET resolved_by = $1, resolved_at = $2 WHERE incident = $3';
    await db.query(sql, [request.user, now, subject.incident]);
    const noteId = await addNote(db, { tenant: subject.tenant, incident: subject.incident, channel, threadTs, kind: request.action, user: request.user, at: now });
    return { applied: true, controls: (await incidentControls(db, subject.incident))!, noteId };
  }
  const mute = request as Extract<IncidentActionRequest, { action: 'mute' }>;
  const key = mute.scope === 'group' ? groupKey(subject.group) : null;
  const tenantRow = (await db.query<{ checkpoint_date: string | null }>('SELECT checkpoint_date FROM tenant_state WHERE tenant = $1', [subject.tenant])).rows[0];
  const startsMs = Math.max(Date.parse(tenantRow?.checkpoint_date ?? '') || 0, Date.parse(subject.lastDate) || 0) || request.at.getTime();
  const starts = new Date(startsMs).toISOString();
  const until = new Date(startsMs + mute.durationMs).toISOString();
  const wallUntil = new Date(request.at.getTime() + mute.durationMs).toISOString();
  const same = (await activeMutes(db, subject.tenant)).find((row) => row.rule_id === subject!.ruleId && row.group_key === key);
  let muteId: number;
  if (same) {
    await db.query('UPDATE mutes SET duration_ms = $1, until = $2, wall_until = $3, created_by = $4 WHERE id = $5', [mute.durationMs, until, wallUntil, request.user, same.id]);
    muteId = Number(same.id);
  } else {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO mutes (tenant, rule_id, group_key, group_json, incident, channel, thread_ts, created_by, created_at, duration_ms, starts_at, until, wall_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [subject.tenant, subject.ruleId, key, key === null ? null : JSON.stringify(subject.group), subject.incident, channel, threadTs, request.user, now, mute.durationMs, starts, until, wallUntil],
    );
    muteId = Number(rows[0]!.id);
  }
  await upsertControls(db, subject, now);
  const noteId = await addNote(db, { tenant: subject.tenant, incident: subject.incident, channel, threadTs, kind: same ? 'mute_extended' : 'mute', user: request.user, at: now, muteId });
  return { applied: true, controls: (await incidentControls(db, subject.incident))!, mute: (await getMute(db, muteId))!, noteId };
}

export async function pendingResolutions(db: Queryable, tenant: string): Promise<string[]> {
  const { rows } = await db.query<{ incident: string }>(
    'SELECT incident FROM incident_controls WHERE tenant = $1 AND resolved_at IS NOT NULL AND resolution_applied_at IS NULL ORDER BY resolved_at',
    [tenant],
  );
  return rows.map((row) => row.incident);
}

export async function markResolutionsApplied(db: Queryable, incidents: readonly string[], now: Date): Promise<void> {
  if (incidents.length === 0) return;
  await db.query('UPDATE incident_controls SET resolution_applied_at = $1 WHERE incident = ANY($2::text[]) AND resolution_applied_at IS NULL', [now.toISOString(), [...incidents]]);
}

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

export async function dueThreadNotes(db: Queryable, nowMs: number, limit: number): Promise<ThreadNote[]> {
  const { rows } = await db.query<StoredThreadNote>(`SELECT * FROM thread_notes WHERE status = 'due' AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY id LIMIT $2`, [nowMs, limit]);
  const notes: ThreadNote[] = [];
  for (const row of rows) notes.push(decodeThreadNote(row, row.mute_id === null ? null : ((await getMute(db, Number(row.mute_id))) ?? null)));
  return notes;
}

export async function claimThreadNote(db: Queryable, id: number, owner: string, nowMs: number, untilMs: number): Promise<boolean> {
  const result = await db.query(
    `UPDATE thread_notes SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND status = 'due' AND (claimed_until IS NULL OR claimed_until <= $4 OR claimed_by = $1)`,
    [owner, untilMs, id, nowMs],
  );
  return result.rowCount === 1;
}

export async function recordThreadNote(db: Queryable, id: number, outcome: ThreadNoteOutcome): Promise<void> {
  if ('ts' in outcome) {
    await db.query(`UPDATE thread_notes SET status = 'posted', posted_ts = $1, attempts = attempts + 1, claimed_until = NULL WHERE id = $2`, [outcome.ts, id]);
    return;
  }
  await db.query(`UPDATE thread_notes SET status = $1, last_error = $2, attempts = attempts + 1, claimed_until = $3 WHERE id = $4`, [
    outcome.retryAtMs === null ? 'failed' : 'due',
    outcome.error.slice(0, 500),
    outcome.retryAtMs,
    id,
  ]);
}

/** See the SQLite twin. */
export async function pruneControls(db: Queryable, cutoff: Date): Promise<void> {
  const at = cutoff.toISOString();
  await db.query('DELETE FROM mutes WHERE ended_at IS NOT NULL AND ended_at < $1', [at]);
  await db.query(`DELETE FROM thread_notes WHERE status <> 'due' AND at < $1`, [at]);
  await db.query(
    `DELETE FROM incident_controls WHERE updated_at < $1 AND (resolved_at IS NULL OR resolution_applied_at IS NOT NULL)
       AND incident NOT IN (SELECT incident FROM incidents) AND incident NOT IN (SELECT incident FROM mutes)`,
    [at],
  );
}
