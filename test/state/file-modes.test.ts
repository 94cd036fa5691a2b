import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../src/state/sqlite/store.js';
import { tempDir } from '../helpers/temp-db.js';

/** Issue 11, point 7: the state holds user e-mails and IPs; nobody else may read it. */
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

let cleanup: (() => void) | undefined;
const stores: SqliteStateStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  cleanup?.();
});

async function openAndWrite(path: string): Promise<SqliteStateStore> {
  const store = SqliteStateStore.open(path);
  stores.push(store);
  // A write, so that SQLite creates the -wal and -shm files.
  await store.commitPage('acme', { checkpoint: '900', checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#a' });
  return store;
}

describe('state file modes', () => {
  it('creates the folder 0700 and the database, -wal and -shm files 0600', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const path = join(temp.dir, 'data', 'state.db');
    await openAndWrite(path);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(existsSync(`${path}-shm`)).toBe(true);
    expect({ folder: mode(join(temp.dir, 'data')), db: mode(path), wal: mode(`${path}-wal`), shm: mode(`${path}-shm`) }).toEqual({
      folder: '700',
      db: '600',
      wal: '600',
      shm: '600',
    });
  });

  it('tightens files an older version left world-readable, and leaves an existing folder alone', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const folder = join(temp.dir, 'shared');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    const path = join(folder, 'state.db');
    SqliteStateStore.open(path).db.close();
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, '');
    chmodSync(`${path}-wal`, 0o644);
    await openAndWrite(path);
    expect({ folder: mode(folder), db: mode(path), wal: mode(`${path}-wal`) }).toEqual({ folder: '755', db: '600', wal: '600' });
  });
});
