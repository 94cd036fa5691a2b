import type { StateStore, StateStoreConcerns, Pruned } from '../store.js';
import { openStateDb, type StateDb } from './db.js';
import { explainWriteError } from './errors.js';
import { pruneDelivered } from './retention.js';
import { sqliteIncidents } from './store/incidents.js';
import { sqliteLeases } from './store/leases.js';
import { sqliteOutbox } from './store/outbox.js';
import { sqliteProblems } from './store/problems.js';
import type { SqliteRun } from './store/run.js';
import { sqliteTenants } from './store/tenants.js';

/**
 * The SQLite back end (better-sqlite3, one file, WAL, synchronous=FULL).
 * better-sqlite3 is synchronous: each method runs its transaction to the end
 * before it returns the promise, so no other call can interleave inside it —
 * and writes take the lock first (BEGIN IMMEDIATE), so another process's
 * lock is waited out (busy_timeout) instead of failing half-way.
 *
 * The methods of each concern of the interface live in ./store/ (tenants,
 * outbox, incidents, problems, leases — as src/state/interface/ splits it) and
 * are assembled here, checked complete against StateStoreConcerns.
 */
export interface SqliteStateStore extends StateStoreConcerns {}

export class SqliteStateStore implements StateStore {
  readonly description: string;

  /** `db` is the raw handle: for this back end's own tests and migrations only. */
  constructor(
    readonly db: StateDb,
    readonly path: string,
  ) {
    this.description = `SQLite ${path}`;
    const run: SqliteRun = { db, write: <T>(what: string, work: () => T): T => this.#write(what, work) };
    const concerns: StateStoreConcerns = { ...sqliteTenants(run), ...sqliteOutbox(run), ...sqliteIncidents(run), ...sqliteProblems(run), ...sqliteLeases(run) };
    Object.assign(this, concerns);
  }

  static open(path: string): SqliteStateStore {
    return new SqliteStateStore(openStateDb(path), path);
  }

  /** A write in one IMMEDIATE transaction, its failure classified (busy/full passes, corrupt stops). */
  #write<T>(what: string, work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw explainWriteError(error, what);
    }
  }

  async pruneDelivered(now: Date, retentionMs?: number): Promise<Pruned> {
    return this.#write('pruning delivered alerts', () => pruneDelivered(this.db, now, retentionMs));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
