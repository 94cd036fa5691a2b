import type { Statement } from 'better-sqlite3';
import type { StateDb } from './db.js';

/**
 * Prepared statements, compiled once per database handle. Preparing parses and
 * plans the SQL each time; on the poller's path that happened for every page
 * (several statements per commit, 2,000 commits for a 200k-event backlog).
 * Keyed weakly by the handle, so a closed and dropped database takes its
 * statements with it; a statement of a closed handle fails as `prepare` would.
 */
const byDb = new WeakMap<StateDb, Map<string, Statement>>();

export function cachedStatement(db: StateDb, sql: string): Statement {
  let statements = byDb.get(db);
  if (!statements) {
    statements = new Map();
    byDb.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
