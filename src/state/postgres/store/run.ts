import type { Queryable } from '../query.js';

/**
 * What each part of PgStateStore (one per concern of the interface, in this
 * folder, as in SQLite) works with: `statement` for autocommit statements,
 * `write` for several in one transaction, each failure classified (see
 * PgStateStore).
 */
export interface PgRun {
  statement<T>(what: string, work: (db: Queryable) => Promise<T>): Promise<T>;
  write<T>(what: string, work: (db: Queryable) => Promise<T>): Promise<T>;
}
