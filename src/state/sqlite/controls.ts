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
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/**
 * Acknowledge / Resolve / Mute in SQLite (see src/state/controls.ts). Every
 * function runs inside the caller's transaction.
 */
export const CONTROLS_MIGRATION = `
  CREATE TABLE incident_controls (
    incident               TEXT PRIMARY KEY,
    tenant                 TEXT NOT NULL,
    rule_id                TEXT NOT NULL,
    acked_by               TEXT,
    acked_at               TEXT,
    resolved_by            TEXT,
    resolved_at            TEXT,
    resolution_applied_at  TEXT,            -- the engine closed the incident (in a page commit)
    updated_at             TEXT NOT NULL
  );
  CREATE INDEX incident_controls_unapplied ON incident_controls (tenant) WHERE resolved_at IS NOT NULL AND resolution_applied_at IS NULL;
  CREATE TABLE mutes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant       TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    group_key    TEXT,                      -- groupKey() of the group; NULL: the whole rule
    group_json   TEXT,
    incident     TEXT NOT NULL,             -- set on this incident; its thread gets the replies
    channel      TEXT NOT NULL,
    thread_ts    TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL,
    starts_at    TEXT NOT NULL,             -- event time
    until        TEXT NOT NULL,             -- event time: events dated before it are held
    wall_until   TEXT NOT NULL,
    ended_at     TEXT,
    ended_by     TEXT,
    end_reason   TEXT,                      -- expired | unmuted | replaced
    held         INTEGER NOT NULL DEFAULT 0 -- events held back
  );
  CREATE INDEX mutes_active ON mutes (tenant) WHERE ended_at IS NULL;
  CREATE TABLE thread_notes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant         TEXT NOT NULL,
    incident       TEXT NOT NULL,
    channel        TEXT NOT NULL,
    thread_ts      TEXT,
    kind           TEXT NOT NULL,           -- acknowledge | resolve | mute | mute_extended | unmute | mute_ended
    user_id        TEXT,
    at             TEXT NOT NULL,
    mute_id        INTEGER,
    held_events    INTEGER NOT NULL DEFAULT 0,
    released       INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'due', -- due | posted | failed
    claimed_by     TEXT,
    claimed_until  INTEGER,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    posted_ts      TEXT
  );
  CREATE INDEX thread_notes_due ON thread_notes (status, id);
  ALTER TABLE outbox ADD COLUMN mute_id INTEGER;  -- held by this mute (status 'held'), or released from it
  CREATE INDEX outbox_by_mute ON outbox (mute_id, status) WHERE mute_id IS NOT NULL;
`;

function getMute(db: StateDb, id: number): Mute | undefined {
  const row = cachedStatement(db, 'SELECT * FROM mutes WHERE id = ?').get(id) as StoredMute | undefined;
  return row ? decodeMute(row) : undefined;
}

function activeMutes(db: StateDb, tenant: string): StoredMute[] {
  return cachedStatement(db, 'SELECT * FROM mutes WHERE tenant = ? AND ended_at IS NULL ORDER BY id').all(tenant) as StoredMute[];
}

export function listMutes(db: StateDb, options: { active?: boolean } = {}): Mute[] {
  const sql = options.active === false ? 'SELECT * FROM mutes ORDER BY id' : 'SELECT * FROM mutes WHERE ended_at IS NULL ORDER BY id';
  return (cachedStatement(db, sql).all() as StoredMute[]).map(decodeMute);
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

/** What the incident is (tenant, rule, group) and where its thread is: from its newest alert row and the incidents table. */
function incidentSubject(db: StateDb, incident: string): Subject | undefined {
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
  const row = cachedStatement(db, 'SELECT * FROM incident_controls WHERE incident = ?').get(incident) as
    | { incident: string; tenant: string; rule_id: string; acked_by: string | null; acked_at: string | null; resolved_by: string | null; resolved_at: string | null }
    | undefined;
  const subject = row ? undefined : incidentSubject(db, incident);
  const tenant = row?.tenant ?? subject?.tenant;
  const ruleId = row?.rule_id ?? subject?.ruleId;
  if (tenant === undefined || ruleId === undefined) return undefined;
  const group = subject?.group ?? incidentSubject(db, incident)?.group ?? {};
  const key = groupKey(group);
  const mutes = activeMutes(db, tenant)
    .filter((mute) => mute.rule_id === ruleId && (mute.group_key === null || mute.group_key === key))
    .map(decodeMute);
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

function upsertControls(db: StateDb, subject: Pick<Subject, 'incident' | 'tenant' | 'ruleId'>, now: string): void {
  cachedStatement(
    db,
    `INSERT INTO incident_controls (incident, tenant, rule_id, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (incident) DO UPDATE SET updated_at = excluded.updated_at`,
  ).run(subject.incident, subject.tenant, subject.ruleId, now);
}

function addNote(
  db: StateDb,
  note: { tenant: string; incident: string; channel: string; threadTs: string | null; kind: ThreadNoteKind; user: string | null; at: string; muteId?: number; heldEvents?: number; released?: number },
): number {
  return Number(
    cachedStatement(
      db,
      `INSERT INTO thread_notes (tenant, incident, channel, thread_ts, kind, user_id, at, mute_id, held_events, released)
       VALUES (@tenant, @incident, @channel, @threadTs, @kind, @user, @at, @muteId, @heldEvents, @released)`,
    ).run({ muteId: null, heldEvents: 0, released: 0, ...note }).lastInsertRowid,
  );
}

/** One click, in one transaction: the state change and the audit reply it owes. */
export function recordIncidentAction(db: StateDb, request: IncidentActionRequest): IncidentActionResult {
  const now = request.at.toISOString();
  let subject: Subject | undefined;
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

/** Notes still to post whose claim (if any) has run out, oldest first. */
export function dueThreadNotes(db: StateDb, nowMs: number, limit: number): ThreadNote[] {
  const rows = cachedStatement(db, `SELECT * FROM thread_notes WHERE status = 'due' AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT ?`).all(nowMs, limit) as StoredThreadNote[];
  return rows.map((row) => decodeThreadNote(row, row.mute_id === null ? null : (getMute(db, Number(row.mute_id)) ?? null)));
}

/** Takes the note for `owner` until `untilMs`; false when another process holds it or it was posted. */
export function claimThreadNote(db: StateDb, id: number, owner: string, nowMs: number, untilMs: number): boolean {
  return (
    cachedStatement(
      db,
      `UPDATE thread_notes SET claimed_by = ?, claimed_until = ? WHERE id = ? AND status = 'due' AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)`,
    ).run(owner, untilMs, id, nowMs, owner).changes === 1
  );
}

/** Slack said ok (ts), or the note failed: tried again from `retryAtMs`, never when null. */
export function recordThreadNote(db: StateDb, id: number, outcome: ThreadNoteOutcome): void {
  if ('ts' in outcome) {
    cachedStatement(db, `UPDATE thread_notes SET status = 'posted', posted_ts = ?, attempts = attempts + 1, claimed_until = NULL WHERE id = ?`).run(outcome.ts, id);
    return;
  }
  cachedStatement(db, `UPDATE thread_notes SET status = ?, last_error = ?, attempts = attempts + 1, claimed_until = ? WHERE id = ?`).run(
    outcome.retryAtMs === null ? 'failed' : 'due',
    outcome.error.slice(0, 500),
    outcome.retryAtMs,
    id,
  );
}

/**
 * Retention of what people did: ended mutes and posted (or given-up) thread
 * notes older than the cutoff, and the state of incidents whose records are
 * gone (their messages are no longer re-rendered). Runs inside pruneDelivered;
 * reports nothing of its own (an empty object, spread into Pruned).
 */
export function pruneControls(db: StateDb, cutoff: string): Record<string, never> {
  cachedStatement(db, `DELETE FROM mutes WHERE ended_at IS NOT NULL AND ended_at < ?`).run(cutoff);
  cachedStatement(db, `DELETE FROM thread_notes WHERE status <> 'due' AND at < ?`).run(cutoff);
  cachedStatement(
    db,
    `DELETE FROM incident_controls WHERE updated_at < ? AND (resolved_at IS NULL OR resolution_applied_at IS NOT NULL)
       AND incident NOT IN (SELECT incident FROM incidents) AND incident NOT IN (SELECT incident FROM mutes)`,
  ).run(cutoff);
  return {};
}
