import type { Logger } from '../log.js';
import type { StateStore } from './store.js';

export interface StateLocation {
  /** STATE_DB: the SQLite file (created with its folder when missing). */
  stateDb: string;
  /** DATABASE_URL: a PostgreSQL database shared by every replica, instead of the file. */
  databaseUrl?: string | undefined;
  /** Named to the server (pg_stat_activity) for PostgreSQL: which replica holds a connection. */
  replicaId?: string;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Opens the state back end the configuration names: PostgreSQL when
 * DATABASE_URL is set, else the SQLite file STATE_DB (the zero-set-up
 * default). Both pass test/state/store-contract.ts; nothing else in the bot
 * knows which one it talks to. Only the named back end is loaded: a SQLite bot
 * never pays pg's start-up time and memory, nor a PostgreSQL one better-sqlite3's.
 */
export async function openStateStore(location: StateLocation): Promise<StateStore> {
  if (location.databaseUrl) {
    const { PgStateStore } = await import('./postgres/store.js');
    return PgStateStore.open(location.databaseUrl, {
      ...(location.replicaId ? { applicationName: `auth0-log-alerts ${location.replicaId}` } : {}),
      ...(location.logger ? { logger: location.logger } : {}),
    });
  }
  const { SqliteStateStore } = await import('./sqlite/store.js');
  return SqliteStateStore.open(location.stateDb);
}
