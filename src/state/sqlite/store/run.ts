import type { StateDb } from '../db.js';

/**
 * What each part of SqliteStateStore (one per concern of the interface, in
 * this folder) works with: the handle for reads, and `write` — one IMMEDIATE
 * transaction, its failure classified (see SqliteStateStore).
 */
export interface SqliteRun {
  readonly db: StateDb;
  write<T>(what: string, work: () => T): T;
}
