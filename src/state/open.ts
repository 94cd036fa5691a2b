import type { Logger } from '../log.js';
import { PgStateStore } from './postgres/store.js';
import { SqliteStateStore } from './sqlite/store.js';
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
 * knows which one it talks to.
 */
export async function openStateStore(location: StateLocation): Promise<StateStore> {
  if (location.databaseUrl) {
    return PgStateStore.open(location.databaseUrl, {
      ...(location.replicaId ? { applicationName: `auth0-log-alerts ${location.replicaId}` } : {}),
      ...(location.logger ? { logger: location.logger } : {}),
    });
  }
  return SqliteStateStore.open(location.stateDb);
}
