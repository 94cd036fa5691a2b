import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDb, type StateDb } from '../../src/state/db.js';

/** A fresh folder for a real SQLite file; `cleanup()` removes it. */
export function tempDir(prefix = 'auth0-log-alerts-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real state database in a temp folder (nested, to prove the folder is created). */
export function tempStateDb(): { path: string; db: StateDb; reopen: () => StateDb; cleanup: () => void } {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'data', 'state.db');
  const opened: StateDb[] = [openStateDb(path)];
  return {
    path,
    db: opened[0]!,
    reopen: () => {
      const db = openStateDb(path);
      opened.push(db);
      return db;
    },
    cleanup: () => {
      for (const db of opened) if (db.open) db.close();
      cleanup();
    },
  };
}
