import type { Alert } from '../../engine/alert.js';
import { assembleIncidentControls, groupKey, type IncidentActionRequest, type IncidentActionResult, type IncidentControls, type IncidentSubject, type StoredIncidentControls } from '../controls.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';
import { activeMutes, getMute } from './mutes.js';
import { addNote } from './thread-notes.js';

/**
 * Acknowledge / Resolve / Mute clicks and the controls they leave on an
 * incident, in SQLite; run inside the caller's transaction.
 */

/** What the incident is (tenant, rule, group) and where its thread is: from its newest alert row and the incidents table. */
function incidentSubject(db: StateDb, incident: string): IncidentSubject | undefined {
  const row = cachedStatement(db, `SELECT tenant, rule_id, alert FROM outbox WHERE incident = ? ORDER BY kind = 'alert' DESC, id DESC LIMIT 1`).get(incident) as
    | { tenant: string; rule_id: string; alert: string }
    | undefined;
  if (!row) return undefined;
  const alert = JSON.parse(row.alert) as Pick<Alert, 'group' | 'lastDate'>;
  const thread = cachedStatement(db, 'SELECT channel, message_ts FROM incidents WHERE incident = ?').get(incident) as
    | { channel: string; message_ts: string | null }
    | undefined;
  return { incident, tenant: row.tenant, ruleId: row.rule_id, group: alert.group, channel: thread?.channel ?? '', threadTs: thread?.message_ts ?? null, lastDate: alert.lastDate };
}

export function incidentControls(db: StateDb, incident: string): IncidentControls | undefined {
  const row = cachedStatement(db, 'SELECT * FROM incident_controls WHERE incident = ?').get(incident) as StoredIncidentControls | undefined;
  const owner = incidentSubject(db, incident);
  const tenant = row?.tenant ?? owner?.tenant;
  return assembleIncidentControls(incident, row, owner, tenant === undefined ? [] : activeMutes(db, tenant));
}

function upsertControls(db: StateDb, subject: Pick<IncidentSubject, 'incident' | 'tenant' | 'ruleId'>, now: string): void {
  cachedStatement(
    db,
    `INSERT INTO incident_controls (incident, tenant, rule_id, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (incident) DO UPDATE SET updated_at = excluded.updated_at`,
  ).run(subject.incident, subject.tenant, subject.ruleId, now);
}

/** One click, in one transaction: the state change and the audit reply it owes. */
export function recordIncidentAction(db: StateDb, request: IncidentActionRequest): IncidentActionResult {
  const now = request.at.toISOString();
  let subject: IncidentSubject | undefined;
  if ('digestRowId' in request) {
    const row = cachedStatement(db, 'SELECT incident FROM outbox WHERE id = ?').get(request.digestRowId) as { incident: string } | undefined;
    subject = row ? incidentSubject(db, row.incident) : undefined;
    if (subject) subject = { ...subject, threadTs: request.messageTs, channel: request.channel };
  } else {
    subject = incidentSubject(db, request.incident);
  }
  if (!subject) return { applied: false, why: 'unknown_incident' };
  const channel = subject.channel || request.channel;
  const threadTs = subject.threadTs ?? request.messageTs;
  const before = incidentControls(db, subject.incident);
  if (request.action === 'acknowledge' || request.action === 'resolve') {
    if (before?.resolvedBy) return { applied: false, why: 'already_resolved', controls: before };
    if (request.action === 'acknowledge' && before?.ackedBy) return { applied: false, why: 'already_acknowledged', controls: before };
    upsertControls(db, subject, now);
    const column = request.action === 'acknowledge' ? 'acked' : 'resolved';
    cachedStatement(db, `UPDATE incident_controls SET ${column}_by = ?, ${column}_at = ? WHERE incident = ?`).run(request.user, now, subject.incident);
    const noteId = addNote(db, { tenant: subject.tenant, incident: subject.incident, channel, threadTs, kind: request.action, user: request.user, at: now });
    return { applied: true, controls: incidentControls(db, subject.incident)!, noteId };
  }

  const mute = request as Extract<IncidentActionRequest, { action: 'mute' }>;
  const key = mute.scope === 'group' ? groupKey(subject.group) : null;
  const tenantRow = cachedStatement(db, 'SELECT checkpoint_date FROM tenant_state WHERE tenant = ?').get(subject.tenant) as { checkpoint_date: string | null } | undefined;
  // Event time: the newest event read for the tenant (the incident's own date before any checkpoint).
  const startsMs = Math.max(Date.parse(tenantRow?.checkpoint_date ?? '') || 0, Date.parse(subject.lastDate) || 0) || request.at.getTime();
  const times = {
    duration: mute.durationMs,
    starts: new Date(startsMs).toISOString(),
    until: new Date(startsMs + mute.durationMs).toISOString(),
    wallUntil: new Date(request.at.getTime() + mute.durationMs).toISOString(),
  };
  const same = activeMutes(db, subject.tenant).find((mute) => mute.rule_id === subject.ruleId && mute.group_key === key);
  let muteId: number;
  if (same) {
    // Clicking Mute again changes the running mute's end (longer or shorter); it keeps what it holds.
    cachedStatement(db, 'UPDATE mutes SET duration_ms = @duration, until = @until, wall_until = @wallUntil, created_by = @user WHERE id = @id').run({
      ...times,
      user: request.user,
      id: same.id,
    });
    muteId = Number(same.id);
  } else {
    muteId = Number(
      cachedStatement(
        db,
        `INSERT INTO mutes (tenant, rule_id, group_key, group_json, incident, channel, thread_ts, created_by, created_at, duration_ms, starts_at, until, wall_until)
         VALUES (@tenant, @ruleId, @key, @groupJson, @incident, @channel, @threadTs, @user, @now, @duration, @starts, @until, @wallUntil)`,
      ).run({
        tenant: subject.tenant,
        ruleId: subject.ruleId,
        key,
        groupJson: key === null ? null : JSON.stringify(subject.group),
        incident: subject.incident,
        channel,
        threadTs,
        user: request.user,
        now,
        ...times,
      }).lastInsertRowid,
    );
  }
  upsertControls(db, subject, now);
  const noteId = addNote(db, { tenant: subject.tenant, incident: subject.incident, channel, threadTs, kind: same ? 'mute_extended' : 'mute', user: request.user, at: now, muteId });
  return { applied: true, controls: incidentControls(db, subject.incident)!, mute: getMute(db, muteId)!, noteId };
}

/** Resolved incidents the engine has not closed yet (the poller applies them before evaluating). */
export function pendingResolutions(db: StateDb, tenant: string): string[] {
  return (cachedStatement(db, 'SELECT incident FROM incident_controls WHERE tenant = ? AND resolved_at IS NOT NULL AND resolution_applied_at IS NULL ORDER BY resolved_at').all(tenant) as Array<{ incident: string }>).map(
    (row) => row.incident,
  );
}

export function markResolutionsApplied(db: StateDb, incidents: readonly string[], now: Date): void {
  const update = cachedStatement(db, 'UPDATE incident_controls SET resolution_applied_at = ? WHERE incident = ? AND resolution_applied_at IS NULL');
  for (const incident of incidents) update.run(now.toISOString(), incident);
}
