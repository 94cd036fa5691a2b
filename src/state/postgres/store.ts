import type pg from 'pg';
import type { Logger } from '../../log.js';
import type { StateStore, StateStoreConcerns, Pruned } from '../store.js';
import { createPool, describePgUrl, type PgOptions } from './connect.js';
import { explainPgError, explainPgOpenError } from './errors.js';
import { migrate } from './migrations.js';
import type { Queryable } from './query.js';
import { pruneDelivered } from './retention.js';
import { pgIncidents } from './store/incidents.js';
import { pgLeases } from './store/leases.js';
import { pgOutbox } from './store/outbox.js';
import { pgProblems } from './store/problems.js';
import type { PgRun } from './store/run.js';
import { pgTenants } from './store/tenants.js';

export interface PgStoreOptions extends PgOptions {
  /** Where a connection dropped while idle is reported (a server restart); the next query reconnects. */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The PostgreSQL back end (`DATABASE_URL`): one database shared by every
 * replica. Each method is one transaction on a pooled connection (READ
 * COMMITTED; the commit of a page locks its tenant's row). Failures are
 * classified like SQLite's: a server that is down, restarting or busy is a
 * StateBusyError (retry later), anything else a StateError.
 *
 * The methods of each concern of the interface live in ./store/, as in SQLite,
 * and are assembled here, checked complete against StateStoreConcerns.
 */
export interface PgStateStore extends StateStoreConcerns {}

export class PgStateStore implements StateStore {
  readonly description: string;
  readonly #where: string;
  #closed = false;

  private constructor(
    readonly pool: pg.Pool,
    where: string,
  ) {
    this.#where = where;
    this.description = `PostgreSQL ${where}`;
    const run: PgRun = {
      statement: (what, work) => this.#statement(what, work),
      write: (what, work) => this.#write(what, work),
    };
    const concerns: StateStoreConcerns = { ...pgTenants(run), ...pgOutbox(run), ...pgIncidents(run), ...pgProblems(run), ...pgLeases(run) };
    Object.assign(this, concerns);
  }

  /** Connects, and migrates under an advisory lock (replicas starting together migrate once). */
  static async open(url: string, options: PgStoreOptions = {}): Promise<PgStateStore> {
    const where = describePgUrl(url);
    const pool = createPool(url, options, (error) => {
      options.logger?.warn({ database: where, error: error.message }, 'a PostgreSQL connection dropped while idle; the next query reconnects');
    });
    const store = new PgStateStore(pool, where);
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw explainPgOpenError(error, where);
    }
    return store;
  }

  /** Autocommit statements (a read, or one self-contained write), the failure classified. */
  async #statement<T>(what: string, work: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await work(this.pool);
    } catch (error) {
      throw explainPgError(error, this.#where, what);
    }
  }

  /** Several statements in one transaction: all of it or nothing, the failure classified. */
  async #write<T>(what: string, work: (db: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      if (client) {
        // A connection that failed mid-transaction is not handed out again.
        await client.query('ROLLBACK').then(
          () => client!.release(),
          (rollbackError: unknown) => client!.release(rollbackError instanceof Error ? rollbackError : true),
        );
      }
      throw explainPgError(error, this.#where, what);
    }
  }

  pruneDelivered(now: Date, retentionMs?: number): Promise<Pruned> {
    return this.#write('pruning delivered alerts', (db) => pruneDelivered(db, now, retentionMs));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}
