import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors.js';
import { openStateDb, SCHEMA_VERSION } from '../../src/state/db.js';
import { tempDir, tempStateDb } from '../helpers/temp-db.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('openStateDb', () => {
  it('creates the folder, migrates, and commits durably (WAL, synchronous FULL)', () => {
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);
    expect(temp.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(temp.db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL: with NORMAL a power loss can undo the last commits, and their pages would be alerted again.
    expect(temp.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('names the file and what to do when it is not a SQLite database', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'state.db');
    writeFileSync(path, 'not a database, only text that fills more than the sqlite header would need……');
    expect(() => openStateDb(path)).toThrow(StateError);
    expect(() => openStateDb(path)).toThrow(`state database ${path} is not a valid SQLite database (corrupt or another file); move it away to start fresh`);
  });
});
