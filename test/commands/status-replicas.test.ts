import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { PgStateStore } from '../../src/state/postgres/store.js';
import { captureCliOutput, type CliOutput } from '../helpers/engine-cli-output.js';
import { PG_TEST_URL, describePg, tempPgSchema, type TempPgSchema } from '../helpers/pg.js';

let output: CliOutput;
let schema: TempPgSchema;
let store: PgStateStore;

await describePg('status on PostgreSQL: which replica polls which tenant', () => {
  beforeEach(async () => {
    schema = await tempPgSchema();
    store = await PgStateStore.open(schema.url, { schema: schema.schema, maxConnections: 2 });
    output = captureCliOutput();
    // The URL carries a password (trust ignores it here): status must never print it.
    const url = new URL(PG_TEST_URL);
    url.password = 's3cret-do-not-print';
    url.searchParams.set('options', `-c search_path=${schema.schema}`);
    vi.stubEnv('DATABASE_URL', url.toString());
    vi.stubEnv('STATE_DB', '/nonexistent/state.db'); // DATABASE_URL wins: no file needed
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await store.close();
    await schema.drop();
    process.exitCode = 0;
  });

  it('lists the replicas alive and the holder of each tenant, in JSON and text, never the password', async () => {
    await store.recordPollOutcome('acme', { ok: true });
    await store.recordPollOutcome('globex', { ok: true });
    await store.heartbeatReplica({ id: 'node-a:101:aaa', host: 'node-a', pid: 101 }, 60_000);
    await store.heartbeatReplica({ id: 'node-b:202:bbb', host: 'node-b', pid: 202 }, 60_000);
    await store.acquireTenantLease('acme', 'node-b:202:bbb', 60_000);
    await store.acquireTenantLease('globex', 'node-gone:1:x', 1); // ran out: polled by no one now
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await main(['status', '--json'])).toBe(0);
    const report = JSON.parse(output.stdout);
    expect(report.stateDb).toMatch(/^PostgreSQL 127\.0\.0\.1:5432\/test$/);
    expect(report.replicas).toEqual([
      expect.objectContaining({ id: 'node-a:101:aaa', host: 'node-a', pid: 101, tenants: [] }),
      expect.objectContaining({ id: 'node-b:202:bbb', tenants: ['acme'] }),
    ]);
    expect(report.tenants).toEqual([
      expect.objectContaining({ tenant: 'acme', polledBy: 'node-b:202:bbb', leaseExpiresAt: expect.any(String) }),
      expect.objectContaining({ tenant: 'globex', polledBy: null, leaseExpiresAt: null }),
    ]);

    const textFrom = output.stdout.length;
    expect(await main(['status'])).toBe(0);
    const text = output.stdout.slice(textFrom);
    expect(text).toContain('Replicas: 2 running');
    expect(text).toContain('node-a:101:aaa — since');
    expect(text).toMatch(/node-a:101:aaa — since .*, polling no tenant \(standby\)/);
    expect(text).toMatch(/node-b:202:bbb — since .*, polling acme/);
    expect(text).toMatch(/Tenant acme\n(.*\n)*?  polled by    node-b:202:bbb \(lease until /);
    expect(text).toMatch(/Tenant globex\n(.*\n)*?  polled by    no replica now/);
    expect(output.stdout + output.stderr).not.toContain('s3cret');
  });
});
