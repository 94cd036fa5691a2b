import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

/**
 * Acknowledge / Resolve / Mute in SQLite (see src/state/controls.ts): the
 * tables and their retention. The operations live by concern beside it —
 * incident-actions.ts, mutes.ts, mute-holds.ts, thread-notes.ts — and every
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
