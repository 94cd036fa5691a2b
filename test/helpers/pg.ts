import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { PgStateStore } from '../../src/state/postgres/store.js';

/**
 * The PostgreSQL the tests use: PG_TEST_URL, else the one this project's
 * machines run (127.0.0.1:5432, user postgres, trust, database `test`; .ci/run
 * starts it). Each test creates its own schema (or database) and drops it.
 */
export const PG_TEST_URL = process.env.PG_TEST_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

let probed: Promise<string | undefined> | undefined;
/** Why no server can be reached (undefined: it can), probed once per test file. */
export function pgUnavailable(): Promise<string | undefined> {
  return (probed ??= probe());
}

/**
 * `describe` for PostgreSQL tests: skipped with one clear line when no server
 * can be reached — but never in CI (`CI=true`), where a missing server is a
 * failure, not a silent skip.
 */
export async function describePg(name: string, body: () => void): Promise<void> {
  const why = await pgUnavailable();
  if (why === undefined) {
    describe(name, body);
    return;
  }
  const where = PG_TEST_URL.replace(/\/\/[^@/]*@/, '//');
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs a PostgreSQL server (CI=true: not skipped)', () => {
        throw new Error(`no PostgreSQL server at ${where}: ${why} — .ci/run starts it with pg_ctlcluster`);
      });
    });
    return;
  }
  console.warn(`SKIPPED PostgreSQL tests "${name}": no server at ${where} (${why}); start one (README: Testing) or set PG_TEST_URL`);
  describe.skip(name, body);
}

export interface TempPgSchema {
  url: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A fresh schema of its own in the test database, for one test. */
export async function tempPgSchema(): Promise<TempPgSchema> {
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  return { url: PG_TEST_URL, schema, drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

export interface TempPgDatabase {
  /** DATABASE_URL of the new database. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh database of its own on the test server (for processes, which take a plain DATABASE_URL). */
export async function tempPgDatabase(): Promise<TempPgDatabase> {
  const name = `e2e_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_TEST_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL store in a schema of its own. `reopen` opens another store on
 * it (a second process, or the same one restarted); `cleanup` closes every
 * store opened and drops the schema.
 */
export async function tempPgStore(): Promise<{ store: PgStateStore; reopen: () => Promise<PgStateStore>; cleanup: () => Promise<void> }> {
  const temp = await tempPgSchema();
  const opened: PgStateStore[] = [];
  const open = async () => {
    const store = await PgStateStore.open(temp.url, { schema: temp.schema, maxConnections: 3 });
    opened.push(store);
    return store;
  };
  return {
    store: await open(),
    reopen: open,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await temp.drop();
    },
  };
}
