import type { Queryable } from './query.js';

/**
 * Acknowledge / Resolve / Mute in PostgreSQL, the same behaviour as
 * src/state/sqlite/controls.ts (the contract suite holds both to it): the
 * tables and their retention; the operations live by concern beside it, as in
 * SQLite (incident-actions.ts, mutes.ts, mute-holds.ts, thread-notes.ts). Times
 * are ISO-8601 text as the interface speaks them (they compare in order); every
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
