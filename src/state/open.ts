import { ConfigError } from '../errors.js';
import { SqliteStateStore } from './sqlite/store.js';
import type { StateStore } from './store.js';

export interface StateLocation {
  /** STATE_DB: the SQLite file (created with its folder when missing). */
  stateDb: string;
  /** DATABASE_URL: a PostgreSQL database instead (not supported yet). */
  databaseUrl?: string | undefined;
}

/**
 * Opens the state back end the configuration names. Today only SQLite
 * (`STATE_DB`); a PostgreSQL back end plugs in here for `DATABASE_URL`
 * (`postgres://…`) and must pass test/state/store-contract.ts.
 */
export async function openStateStore(location: StateLocation): Promise<StateStore> {
  if (location.databaseUrl) {
    throw new ConfigError(['DATABASE_URL is not supported yet: this version keeps its state in SQLite (STATE_DB)']);
  }
  return SqliteStateStore.open(location.stateDb);
}
