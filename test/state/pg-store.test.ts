import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { StateBusyError, StateError } from '../../src/errors.js';
import { describePgUrl } from '../../src/state/postgres/connect.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../src/state/postgres/migrations.js';
import { PgStateStore, type PgStoreOptions } from '../../src/state/postgres/store.js';
import { alertFor } from '../helpers/auth0-evaluator.js';
import { logEvent } from '../helpers/auth0-fixtures.js';
import { PG_TEST_URL, describePg, tempPgSchema, tempPgStore, type TempPgSchema } from '../helpers/pg.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { describeStateStore } from './store-contract.js';

await describePg('PostgreSQL state store', () => {
  describeStateStore('PostgreSQL', tempPgStore);
});

await describePg('PostgreSQL state store: what only this back end can show', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function schema(): Promise<TempPgSchema> {
    const temp = await tempPgSchema();
    cleanups.push(temp.drop);
    return temp;
  }
  async function open(temp: TempPgSchema, options: Partial<PgStoreOptions> = {}): Promise<PgStateStore> {
    const store = await PgStateStore.open(temp.url, { schema: temp.schema, maxConnections: 4, ...options });
    cleanups.push(() => store.close());
    return store;
  }
  /** A plain connection in the test's schema: the raw view, and the fault injector. */
  async function raw(temp: TempPgSchema): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: temp.url, options: `-c search_path=${temp.schema}` });
    await client.connect();
    cleanups.push(() => client.end().catch(() => {}));
    return client;
  }
  const count = async (client: pg.Client, sql: string) => Number((await client.query(sql)).rows[0].n);
  const page = (n: number, extra: object = {}) => ({
    checkpoint: logEvent(n).log_id,
    checkpointDate: null,
    ruleState: { seen: n },
    alerts: [alertFor(logEvent(n) as never)],
    defaultChannel: '#a',
    ...extra,
  });

  it('says which server it uses, never the password', async () => {
    expect(describePgUrl('postgres://bot:s3cret@db.internal:6543/alerts?sslmode=require')).toBe('db.internal:6543/alerts');
    const temp = await schema();
    const store = await open(temp);
    expect(store.description).toBe(`PostgreSQL ${describePgUrl(PG_TEST_URL)}`);
  });

  it('migrates once when replicas start together, and refuses a schema from a newer version', async () => {
    const temp = await schema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(temp, { maxConnections: 1 })));
    expect(stores).toHaveLength(4);
    const client = await raw(temp);
    expect((await client.query('SELECT version FROM schema_version ORDER BY version')).rows.map((r) => r.version)).toEqual(
      PG_MIGRATIONS.map((_, i) => i + 1),
    );
    await client.query('INSERT INTO schema_version (version) VALUES ($1)', [PG_SCHEMA_VERSION + 1]);
    await expect(open(temp)).rejects.toThrow(/schema version .* is newer than this program knows/);
  });

  it('a server that does not answer is a retryable StateBusyError; a wrong database or password is not', async () => {
    const refused = await PgStateStore.open('postgres://postgres:s3cret@127.0.0.1:1/test').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StateBusyError);
    expect((refused as Error).message).toMatch(/cannot connect to PostgreSQL 127\.0\.0\.1:1\/test \(.*ECONNREFUSED.*\); is the server running, and is DATABASE_URL right\?/);
    expect((refused as Error).message).not.toContain('s3cret');

    const url = new URL(PG_TEST_URL);
    url.pathname = '/no_such_database_here';
    url.password = 's3cret';
    const missing = await PgStateStore.open(url.toString()).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(StateError);
    expect(missing).not.toBeInstanceOf(StateBusyError);
    expect((missing as Error).message).toMatch(/no_such_database_here.*fix the database name in DATABASE_URL/);
    expect((missing as Error).message).not.toContain('s3cret');
  });

  it('a row locked by another replica past the lock timeout is a StateBusyError, nothing stored; once released the same page commits', async () => {
    const temp = await schema();
    const store = await open(temp, { lockTimeoutMs: 300 });
    const start = logEvent(1).log_id;
    await store.commitPage('acme', { ...page(1), after: null, alerts: [] });
    const other = await raw(temp);
    await other.query('BEGIN');
    await other.query(`SELECT * FROM tenant_state WHERE tenant = 'acme' FOR UPDATE`);
    const next = page(2, { after: start });
    const thrown = await store.commitPage('acme', next).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(StateBusyError);
    expect((thrown as Error).message).toMatch(/55P03.*storing the page up to checkpoint .* of tenant acme/);
    await other.query('ROLLBACK');
    expect(await count(other, 'SELECT count(*) AS n FROM outbox')).toBe(0);
    expect((await store.readTenant('acme'))?.checkpoint).toBe(start);
    await store.commitPage('acme', next);
    expect(await count(other, 'SELECT count(*) AS n FROM outbox')).toBe(1);
  });

  it('a connection killed in the middle of a commit stores nothing of it (StateBusyError), and the next commit reconnects', async () => {
    const temp = await schema();
    const store = await open(temp);
    const client = await raw(temp);
    // Holds the commit between its statements long enough to kill its connection there.
    await client.query(`CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$`);
    await client.query(`CREATE TRIGGER slow_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION slow_insert()`);
    const committing = store.commitPage('acme', { ...page(1), after: null }).catch((error: unknown) => error);
    let killed = 0;
    for (let tries = 0; tries < 50 && killed === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { rows } = await client.query(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE query LIKE 'INSERT INTO outbox%' AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      killed = rows.filter((row) => row.killed).length;
    }
    expect(killed).toBe(1); // the fault fired
    expect(await committing).toBeInstanceOf(StateBusyError);
    expect(await count(client, 'SELECT count(*) AS n FROM outbox')).toBe(0);
    expect(await count(client, 'SELECT count(*) AS n FROM tenant_state WHERE checkpoint IS NOT NULL')).toBe(0);
    await client.query('DROP TRIGGER slow_outbox ON outbox');
    await store.commitPage('acme', { ...page(1), after: null });
    expect(await count(client, 'SELECT count(*) AS n FROM outbox')).toBe(1);
  });

  it('two replicas committing the same page at the same instant: exactly one stores it', async () => {
    const temp = await schema();
    const [a, b] = [await open(temp), await open(temp)];
    await a.commitPage('acme', { ...page(1), after: null, alerts: [] });
    const next = page(2, { after: logEvent(1).log_id });
    const results = await Promise.allSettled([...Array.from({ length: 5 }, () => a.commitPage('acme', next)), ...Array.from({ length: 5 }, () => b.commitPage('acme', next))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StateError);
    expect((await a.pendingStats()).count).toBe(1);
  });

  it('rolls back the queued alerts when storing the checkpoint fails', async () => {
    const temp = await schema();
    const store = await open(temp);
    const client = await raw(temp);
    await client.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`);
    await client.query(`CREATE TRIGGER refuse_checkpoint BEFORE UPDATE ON tenant_state FOR EACH ROW EXECUTE FUNCTION refuse()`);
    await expect(store.commitPage('acme', page(1))).rejects.toThrow(/disk full/);
    expect(await count(client, 'SELECT count(*) AS n FROM outbox')).toBe(0);
    expect(await store.readTenant('acme')).toBeUndefined();
  });

  it('records a delivery all or nothing', async () => {
    const temp = await schema();
    const store = await open(temp);
    await store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#a');
    const { rows } = await store.pendingRows('#a', 10);
    const client = await raw(temp);
    await client.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`);
    await client.query(`CREATE TRIGGER refuse_incident BEFORE INSERT ON incidents FOR EACH ROW EXECUTE FUNCTION refuse()`);
    await expect(store.recordDelivery({ rows, messageTs: '1.1', channel: 'C1', parent: true }, new Date())).rejects.toThrow(/disk full/);
    expect((await store.pendingStats()).count).toBe(2);
  });

  it('stores profile keys whatever the events held (NUL separators, a lone surrogate), reading each back by its own key', async () => {
    const temp = await schema();
    const store = await open(temp);
    const keys = ['travel\u0000alice@example.com', 'first-seen\u0000\ud800broken\u0000🙂', 'plain'];
    const profiles = new Map(keys.map((key, i) => [key, { seen: Date.parse('2024-06-01T12:00:00Z') + i } as never]));
    await store.commitPage('acme', { ...page(1, { alerts: [] }), after: null, profiles });
    const loaded = await store.loadProfiles('acme', [...keys, 'absent\u0000key']);
    expect([...loaded.keys()].sort()).toEqual([...keys].sort());
    expect(loaded.get(keys[1]!)).toEqual({ seen: Date.parse('2024-06-01T12:00:00Z') + 1 });
  });

  it('stores a log id as the event held it (NUL, a backslash, a lone surrogate) as checkpoint and seen id, never failing the commit', async () => {
    const temp = await schema();
    const store = await open(temp);
    const odd = ['900\u0000evil', 'back\\slash', 'lone\udc00'];
    await store.commitPage('acme', { ...page(1, { alerts: [] }), checkpoint: odd[0]!, after: null, logIds: odd });
    expect((await store.readTenant('acme'))?.checkpoint).toBe(odd[0]);
    expect(await store.seenLogIds('acme', [...odd, '900\\0evil', 'other'])).toEqual(new Set(odd));
    // The compare-and-set compares what was stored with what the poller read.
    await store.commitPage('acme', { ...page(2, { alerts: [] }), after: odd[0]! });
    await store.recordPollOutcome('acme', { ok: false, error: 'Auth0 answered 500: bad\u0000body' });
    expect((await store.readTenant('acme'))?.lastPollError).toBe('Auth0 answered 500: bad\ufffdbody');
  });

  it('reports damaged rule state and undecodable alerts instead of throwing', async () => {
    const temp = await schema();
    const store = await open(temp);
    const client = await raw(temp);
    await store.commitPage('acme', page(1, { alerts: [] }));
    await client.query(`UPDATE tenant_state SET rule_state = 'not json'`);
    expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logEvent(1).log_id, ruleState: undefined, ruleStateDamaged: true });
    await store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#a');
    await client.query(`UPDATE outbox SET alert = 'not json' WHERE id = (SELECT min(id) FROM outbox)`);
    const { rows, unreadable } = await store.pendingRows('#a', 10);
    expect(rows).toHaveLength(1);
    expect(unreadable).toEqual([{ id: expect.any(Number), problem: 'stored alert is not valid JSON' }]);
  });
});
