import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateDb } from '../../src/state/sqlite/db.js';
import { SqliteStateStore } from '../../src/state/sqlite/store.js';

/** A fresh folder for a real SQLite file; `cleanup()` removes it. */
export function tempDir(prefix = 'auth0-log-alerts-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TempState {
  path: string;
  /** The state store under test (SQLite back end). */
  store: SqliteStateStore;
  /** Its raw handle: for assertions on the SQLite file itself. */
  db: StateDb;
  /** A second store on the same file (another process's view). */
  reopen: () => SqliteStateStore;
  cleanup: () => void;
}

/** A real SQLite state store in a temp folder (nested, to prove the folder is created). */
export function tempStateDb(): TempState {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'data', 'state.db');
  const opened: SqliteStateStore[] = [SqliteStateStore.open(path)];
  return {
    path,
    store: opened[0]!,
    db: opened[0]!.db,
    reopen: () => {
      const store = SqliteStateStore.open(path);
      opened.push(store);
      return store;
    },
    cleanup: () => {
      for (const store of opened) if (store.db.open) store.db.close();
      cleanup();
    },
  };
}
