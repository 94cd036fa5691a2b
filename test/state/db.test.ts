import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors.js';
import { openStateDb, SCHEMA_VERSION } from '../../src/state/sqlite/db.js';
import { tempDir, tempStateDb } from '../helpers/temp-db.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('openStateDb', () => {
  it('creates the folder, migrates, and commits durably (WAL, synchronous FULL)', () => {
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);
    expect(temp.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(temp.db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL: with NORMAL a power loss can undo the last commits, and their pages would be alerted again.
    expect(temp.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('looks up an incident and a shared message ts by index, not by scanning the outbox history', () => {
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);
    const plan = (sql: string) =>
      (temp.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('x') as Array<{ detail: string }>).map((row) => row.detail).join('; ');
    expect(plan(`SELECT status FROM outbox WHERE incident = ? AND kind = 'alert' ORDER BY id DESC LIMIT 1`)).toMatch(/USING INDEX outbox_by_incident/);
    expect(plan(`SELECT COUNT(DISTINCT incident) AS n FROM outbox WHERE message_ts = ?`)).toMatch(/USING INDEX outbox_by_message_ts/);
  });

  it('migrates a database written by the first schema in place, keeping its rows', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'state.db');
    const v1 = new Database(path);
    v1.exec(`CREATE TABLE tenant_state (tenant TEXT PRIMARY KEY, checkpoint TEXT, checkpoint_date TEXT, rule_state TEXT NOT NULL DEFAULT '{}',
      last_poll_at TEXT, last_poll_ok INTEGER, last_poll_error TEXT, last_success_at TEXT);
      CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL,
      rule_id TEXT NOT NULL, incident TEXT NOT NULL, alert TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
      attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at TEXT NOT NULL, sent_at TEXT, message_ts TEXT);
      CREATE INDEX outbox_by_status_channel ON outbox (status, channel, id);
      CREATE TABLE incidents (incident TEXT PRIMARY KEY, tenant TEXT NOT NULL, rule_id TEXT NOT NULL, channel TEXT NOT NULL,
      message_ts TEXT, count INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
      INSERT INTO tenant_state (tenant, checkpoint) VALUES ('acme', '900x');
      PRAGMA user_version = 1;`);
    v1.close();
    const db = openStateDb(path);
    cleanups.push(() => db.close());
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT checkpoint FROM tenant_state').get()).toEqual({ checkpoint: '900x' });
  });

  it('names the file and what to do when it is not a SQLite database', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'state.db');
    writeFileSync(path, 'not a database, only text that fills more than the sqlite header would need……');
    expect(() => openStateDb(path)).toThrow(StateError);
    expect(() => openStateDb(path)).toThrow(`state database ${path} is not a valid SQLite database (corrupt or another file); move it away to start fresh`);
  });
});
