import type { Alert } from '../../engine/alert.js';
import { assembleIncidentControls, groupKey, type IncidentActionRequest, type IncidentActionResult, type IncidentControls, type IncidentSubject, type StoredIncidentControls } from '../controls.js';
import type { Queryable } from './query.js';
import { activeMutes, getMute } from './mutes.js';
import { addNote } from './thread-notes.js';

/**
 * Acknowledge / Resolve / Mute clicks and the controls they leave on an
 * incident, in PostgreSQL, as its SQLite twin (src/state/sqlite/incident-actions.ts);
 * run inside the caller's transaction.
 */

async function incidentSubject(db: Queryable, incident: string): Promise<IncidentSubject | undefined> {
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
  const row = (await db.query<StoredIncidentControls>('SELECT * FROM incident_controls WHERE incident = $1', [incident])).rows[0];
  const owner = await incidentSubject(db, incident);
  const tenant = row?.tenant ?? owner?.tenant;
  return assembleIncidentControls(incident, row, owner, tenant === undefined ? [] : await activeMutes(db, tenant));
}

async function upsertControls(db: Queryable, subject: Pick<IncidentSubject, 'incident' | 'tenant' | 'ruleId'>, now: string): Promise<void> {
  await db.query(
    `INSERT INTO incident_controls (incident, tenant, rule_id, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (incident) DO UPDATE SET updated_at = excluded.updated_at`,
    [subject.incident, subject.tenant, subject.ruleId, now],
  );
}

export async function recordIncidentAction(db: Queryable, request: IncidentActionRequest): Promise<IncidentActionResult> {
  const now = request.at.toISOString();
  let subject: IncidentSubject | undefined;
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
