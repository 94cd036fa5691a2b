import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StateError } from '../../errors.js';
import { CONTROLS_MIGRATION } from './controls.js';

export type StateDb = Database.Database;

/**
 * Ordered migrations; `PRAGMA user_version` holds how many have run.
 * Append only: never edit a migration that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenant_state (
    tenant           TEXT PRIMARY KEY,
    checkpoint       TEXT,              -- last log_id fully processed (NULL: none yet)
    checkpoint_date  TEXT,              -- event date of that log, ISO-8601
    rule_state       TEXT NOT NULL DEFAULT '{}', -- engine state, JSON
    last_poll_at     TEXT,              -- when the last cycle ended
    last_poll_ok     INTEGER,           -- 1 ok, 0 failed
    last_poll_error  TEXT,              -- safe message of the last failure
    last_success_at  TEXT               -- when a cycle last succeeded
  );
  CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant       TEXT NOT NULL,
    channel      TEXT NOT NULL,
    kind         TEXT NOT NULL,          -- alert | repeat
    rule_id      TEXT NOT NULL,
    incident     TEXT NOT NULL,
    alert        TEXT NOT NULL,          -- Alert, JSON
    status       TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    message_ts   TEXT                    -- ts of the Slack message that delivered it
  );
  CREATE INDEX outbox_by_status_channel ON outbox (status, channel, id);
  CREATE TABLE incidents (
    incident     TEXT PRIMARY KEY,
    tenant       TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    message_ts   TEXT,                   -- the incident's channel message (thread parent)
    count        INTEGER NOT NULL DEFAULT 0, -- events reported so far
    updated_at   TEXT NOT NULL
  );
  `,
  // The sender looks up an incident's parent message for every repeat, and whether a ts
  // is shared (digest); without these, each lookup scans the whole outbox history.
  `
  CREATE INDEX outbox_by_incident ON outbox (incident, kind, id);
  CREATE INDEX outbox_by_message_ts ON outbox (message_ts) WHERE message_ts IS NOT NULL;
  `,
  // One writer per channel (leases, see StateStore.acquireChannelLease), and the
  // problems the bot reports about itself, each with its notice's progress.
  // outbox.status gains 'dead' (no schema change: a TEXT column).
  `
  CREATE TABLE channel_leases (
    channel      TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,          -- host:pid:random of the process delivering to it
    expires_at   INTEGER NOT NULL        -- epoch ms
  );
  CREATE TABLE problems (
    key             TEXT PRIMARY KEY,    -- e.g. polling_failing:acme, dead_channel:#x
    kind            TEXT NOT NULL,       -- polling_failing | log_gap | dead_channel | outbox_backlog
    tenant          TEXT,
    channel         TEXT,                -- where its notice goes (NULL: the default)
    summary         TEXT NOT NULL,       -- one plain sentence (never a secret)
    opened_at       TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    resolved_at     TEXT,
    notice_ts       TEXT,                -- the notice message, once posted
    notice_channel  TEXT,
    notice_state    TEXT NOT NULL DEFAULT 'due' -- due | posted | logged | resolve_due | done
  );
  CREATE INDEX problems_by_state ON problems (notice_state);
  `,
  // Per-key memory of the profile rule kinds (impossible travel, first-seen values): one row per
  // key, read for the keys a page needs, written with the page; forgotten when unseen for long.
  `
  CREATE TABLE profiles (
    tenant       TEXT NOT NULL,
    key          TEXT NOT NULL,          -- rule id + key values (engine profileKey)
    profile      TEXT NOT NULL,          -- engine Profile, JSON
    seen_at      INTEGER NOT NULL,       -- newest event time of the key (ms): retention counts from here
    PRIMARY KEY (tenant, key)
  ) WITHOUT ROWID;
  CREATE INDEX profiles_by_seen ON profiles (seen_at);
  `,
  // Log streams: every evaluated log id is remembered (poll and stream skip
  // what the other evaluated), the rule state carries a version both writers
  // compare-and-set, and the last stream delivery is kept for status/health.
  `
  ALTER TABLE tenant_state ADD COLUMN rule_state_version INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tenant_state ADD COLUMN last_stream_at TEXT;
  ALTER TABLE tenant_state ADD COLUMN last_poll_new_at TEXT; -- when the poller last evaluated events no stream had delivered
  CREATE TABLE seen_log_ids (
    tenant   TEXT NOT NULL,
    log_id   TEXT NOT NULL,
    seen_at  INTEGER NOT NULL,        -- epoch ms of the commit (pruned after SEEN_LOG_IDS_RETENTION_MS)
    PRIMARY KEY (tenant, log_id)
  ) WITHOUT ROWID;
  CREATE INDEX seen_log_ids_by_time ON seen_log_ids (seen_at);
  `,
  // One poller per tenant: replicas announce themselves, a tenant is polled only
  // under its lease (src/cluster/). Times are epoch ms of the process's clock —
  // with SQLite the one process writing the file is the database's clock.
  `
  CREATE TABLE replicas (
    id            TEXT PRIMARY KEY,      -- REPLICA_ID, or host:pid:random
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL       -- alive until then
  );
  CREATE TABLE tenant_leases (
    tenant        TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,         -- the replica polling it
    acquired_at   INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL       -- any replica may take it after this
  );
  `,
  // Acknowledge / Resolve / Mute from Slack: who, when, until when; rows held by mutes; the thread replies owed.
  CONTROLS_MIGRATION,
  // Rule state in parts (see RuleStateParts): a commit rewrites only the parts it changed instead
  // of the whole state. A state stored whole by an older release stays readable (field NULL) and
  // is replaced by parts at the next commit.
  `
  ALTER TABLE tenant_state ADD COLUMN rule_state_parts_field TEXT; -- NULL: rule_state holds the whole state
  CREATE TABLE rule_state_parts (
    tenant   TEXT NOT NULL,
    part     INTEGER NOT NULL,          -- index in the list the parts make up
    body     TEXT NOT NULL,             -- the part, JSON
    PRIMARY KEY (tenant, part)
  );
  `,
  // An alert of more than MAX_LOG_IDS log ids is posted as several messages (its own, then
  // replies in its thread): how many of them Slack accepted, recorded per message. The row stays
  // pending until the last, so a crash or a failure between them resumes with the next part under
  // message_ts (its own message's ts, set with part 1) instead of losing or re-posting any.
  `
  ALTER TABLE outbox ADD COLUMN parts_posted INTEGER NOT NULL DEFAULT 0;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating folder and file when missing) and migrates the state database.
 * WAL keeps readers (`status`) off the writer's back; busy_timeout rides out a
 * short lock by another process before failing with a clear error.
 */
export function openStateDb(path: string): StateDb {
  let db: StateDb;
  try {
    if (path !== ':memory:') restrictFiles(path);
    db = new Database(path, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    // FULL: a committed page survives a power loss too, so it is never evaluated
    // (and alerted) twice; one fsync per page or Slack message is cheap at our rates.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw explain(path, error);
  }
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw explain(path, error);
  }
  return db;
}

/**
 * The state holds user e-mails and IPs: its folder is created 0700 and the
 * database 0600 before SQLite opens it (SQLite gives the -wal and -shm files
 * the database file's mode). Files left looser by an older version are
 * tightened; an existing folder is left alone (it may be the working directory).
 */
function restrictFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch {
      // absent (-wal/-shm before the first write) or not ours: nothing to tighten
    }
  }
}

function migrate(db: StateDb): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StateError(
      `state database schema version ${current} is newer than this program knows (${MIGRATIONS.length}); upgrade auth0-log-alerts`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

function explain(path: string, error: unknown): StateError {
  if (error instanceof StateError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StateError(
      `state database ${path} is locked by another process; is another auth0-log-alerts running with the same STATE_DB?`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StateError(
      `state database ${path} is not a valid SQLite database (corrupt or another file); move it away to start fresh`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('E')) {
    return new StateError(`cannot open state database ${path}: ${message}; check STATE_DB and folder permissions`, {
      cause: error,
    });
  }
  return new StateError(`state database ${path}: ${message}`, { cause: error });
}
