import type pg from 'pg';
import { StateError } from '../../errors.js';
import { PG_CONTROLS_MIGRATION } from './controls.js';

/**
 * Ordered migrations of the PostgreSQL back end; `schema_version` holds how
 * many have run. Append only: never edit a migration that has shipped. They
 * follow the SQLite ones (src/state/sqlite/db.ts) in meaning, not in number.
 * Times are timestamptz; log event dates stay the text Auth0 sent; alerts and
 * rule state are JSON text (read back whole, never queried inside).
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenant_state (
    tenant           text PRIMARY KEY,
    checkpoint       text,              -- last log_id fully processed (NULL: none yet)
    checkpoint_date  text,              -- event date of that log, ISO-8601
    rule_state       text NOT NULL DEFAULT '{}', -- engine state, JSON
    last_poll_at     timestamptz,
    last_poll_ok     boolean,
    last_poll_error  text,              -- safe message of the last failure
    last_success_at  timestamptz
  );
  CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant       text NOT NULL,
    channel      text NOT NULL,
    kind         text NOT NULL,          -- alert | repeat
    rule_id      text NOT NULL,
    incident     text NOT NULL,
    alert        text NOT NULL,          -- Alert, JSON
    status       text NOT NULL DEFAULT 'pending',
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    created_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    message_ts   text                    -- ts of the Slack message that delivered it
  );
  CREATE INDEX outbox_by_status_channel ON outbox (status, channel, id);
  CREATE INDEX outbox_by_incident ON outbox (incident, kind, id);
  CREATE INDEX outbox_by_message_ts ON outbox (message_ts) WHERE message_ts IS NOT NULL;
  CREATE TABLE incidents (
    incident     text PRIMARY KEY,
    tenant       text NOT NULL,
    rule_id      text NOT NULL,
    channel      text NOT NULL,
    message_ts   text,                   -- the incident's channel message (thread parent)
    count        integer NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL
  );
  `,
  // One writer per channel (StateStore.acquireChannelLease: expiry in epoch ms of
  // the callers' clock, as the contract passes it), and the problems the bot
  // reports about itself. outbox.status gains 'dead' (a text column: no change).
  `
  CREATE TABLE channel_leases (
    channel      text PRIMARY KEY,
    owner        text NOT NULL,
    expires_at   bigint NOT NULL
  );
  CREATE TABLE problems (
    key             text PRIMARY KEY,    -- e.g. polling_failing:acme, dead_channel:#x
    kind            text NOT NULL,
    tenant          text,
    channel         text,
    summary         text NOT NULL,
    opened_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    resolved_at     timestamptz,
    notice_ts       text,
    notice_channel  text,
    notice_state    text NOT NULL DEFAULT 'due' -- due | posted | logged | resolve_due | done
  );
  CREATE INDEX problems_by_state ON problems (notice_state);
  `,
  // One poller per tenant across replicas (src/cluster/): replicas announce
  // themselves; a tenant is polled only under its lease. Expiry is judged by
  // the server's now(), never a replica's clock.
  `
  CREATE TABLE replicas (
    id            text PRIMARY KEY,      -- REPLICA_ID, or host:pid:random
    host          text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL   -- alive until then
  );
  CREATE TABLE tenant_leases (
    tenant        text PRIMARY KEY,
    owner         text NOT NULL,         -- the replica polling it
    acquired_at   timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL   -- any replica may take it after this
  );
  CREATE INDEX tenant_leases_by_owner ON tenant_leases (owner);
  `,
  // Per-key memory of the profile rule kinds (impossible travel, first-seen values),
  // as SQLite's: read for the keys a page needs, written with the page.
  `
  CREATE TABLE profiles (
    tenant       text NOT NULL,
    key          text NOT NULL,          -- rule id + key values (engine profileKey)
    profile      text NOT NULL,          -- engine Profile, JSON
    seen_at      bigint NOT NULL,        -- newest event time of the key (ms): retention counts from here
    PRIMARY KEY (tenant, key)
  );
  CREATE INDEX profiles_by_seen ON profiles (seen_at);
  `,
  // Log streams, as SQLite's: every evaluated log id is remembered (poll and stream
  // skip what the other evaluated), the rule state carries a version both writers
  // compare-and-set, and the last stream delivery is kept for status and health.
  `
  ALTER TABLE tenant_state ADD COLUMN rule_state_version integer NOT NULL DEFAULT 0;
  ALTER TABLE tenant_state ADD COLUMN last_stream_at timestamptz;
  ALTER TABLE tenant_state ADD COLUMN last_poll_new_at timestamptz;
  CREATE TABLE seen_log_ids (
    tenant   text NOT NULL,
    log_id   text NOT NULL,            -- escaped (text.ts): as Auth0 sent it, unless it held NUL or a lone surrogate
    seen_at  bigint NOT NULL,          -- epoch ms of the commit (pruned after SEEN_LOG_IDS_RETENTION_MS)
    PRIMARY KEY (tenant, log_id)
  );
  CREATE INDEX seen_log_ids_by_time ON seen_log_ids (seen_at);
  `,
  // Acknowledge / Resolve / Mute from Slack: who, when, until when; rows held by mutes; the thread replies owed.
  PG_CONTROLS_MIGRATION,
  // Rule state in parts (see RuleStateParts): a commit rewrites only the parts it changed. A state
  // stored whole by an older release stays readable (field NULL) and is replaced by parts at the next commit.
  `
  ALTER TABLE tenant_state ADD COLUMN rule_state_parts_field text; -- NULL: rule_state holds the whole state
  CREATE TABLE rule_state_parts (
    tenant   text NOT NULL,
    part     integer NOT NULL,          -- index in the list the parts make up
    body     text NOT NULL,             -- the part, JSON
    PRIMARY KEY (tenant, part)
  );
  `,
  // An alert posted as several messages (more than MAX_LOG_IDS log ids), as SQLite's: how many
  // Slack accepted, per message; the row stays pending until the last, resumed under message_ts.
  `
  ALTER TABLE outbox ADD COLUMN parts_posted integer NOT NULL DEFAULT 0;
  `,
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/**
 * Runs the missing migrations in one transaction under a transaction-level
 * advisory lock keyed by the schema: replicas starting together queue on the
 * lock, the first migrates, the others then find the schema current. DDL is
 * transactional in PostgreSQL, so a crash mid-migration leaves the old version.
 */
export async function migrate(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('auth0-log-alerts:migrate:' || current_schema()))`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT max(version) AS version FROM schema_version');
    const current = rows[0]?.version ?? 0;
    if (current > PG_MIGRATIONS.length) {
      throw new StateError(
        `state database schema version ${current} is newer than this program knows (${PG_MIGRATIONS.length}); upgrade auth0-log-alerts`,
      );
    }
    for (let version = current; version < PG_MIGRATIONS.length; version++) {
      await client.query(PG_MIGRATIONS[version]!);
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
