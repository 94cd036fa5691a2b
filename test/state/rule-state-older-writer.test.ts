import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PgStateStore } from '../../src/state/postgres/store.js';
import type { PageCommit, RuleStateParts, StateStore } from '../../src/state/store.js';
import { describePg, tempPgSchema } from '../helpers/pg.js';
import { tempStateDb } from '../helpers/temp-db.js';

const logId = (n: number) => `900202401010000000000000000000000000000000000000000${String(n).padStart(6, '0')}`;

const parts = (entries: Array<[number, string]>): RuleStateParts => ({ header: '{"clock":5}', field: 'buckets', parts: new Map(entries), complete: true });
const page = (n: number, after: string | null, version: number, ruleStateParts: RuleStateParts): Omit<PageCommit, 'now'> => ({
  after,
  checkpoint: logId(n),
  checkpointDate: null,
  ruleState: {},
  ruleStateParts,
  ruleStateVersion: version,
  alerts: [],
  defaultChannel: '#alerts',
});

/**
 * A release from before rule state was kept in parts still running against
 * the same database (a replica during a rolling upgrade): it knows neither
 * rule_state_parts nor rule_state_parts_field and writes the whole state into
 * rule_state, as its UPDATE did. What it stored is the newest state: reading
 * must return it, not the parts stored before it (its windows and incidents
 * lost, the alerts of its open incidents sent again).
 */
function olderWriterContract(open: () => Promise<{ store: StateStore; olderCommit: (wholeState: string) => Promise<void> }>): void {
  it('a whole state written over a parted one by an older release is read, not the stale parts', async () => {
    const { store, olderCommit } = await open();
    await store.commitPage('acme', page(1, null, 0, parts([[0, '{"a":1}'], [1, '{}']])));
    await olderCommit('{"clock":9,"buckets":[{"a":2},{"b":3}]}');
    expect(await store.readTenant('acme')).toMatchObject({ ruleStateVersion: 2, ruleStateDamaged: false, ruleState: { clock: 9, buckets: [{ a: 2 }, { b: 3 }] } });

    // The next parted commit (read again, so complete) replaces it.
    await store.commitPage('acme', page(2, logId(1), 2, parts([[0, '{"c":4}']])));
    expect((await store.readTenant('acme'))?.ruleState).toEqual({ clock: 5, buckets: [{ c: 4 }] });
  });
}

describe('rule state in parts beside an older release: SQLite', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
  olderWriterContract(async () => {
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);
    return {
      store: temp.store,
      olderCommit: async (whole) => {
        temp.db.prepare('UPDATE tenant_state SET rule_state = ?, rule_state_version = rule_state_version + 1 WHERE tenant = ?').run(whole, 'acme');
      },
    };
  });
});

await describePg('rule state in parts beside an older release: PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  olderWriterContract(async () => {
    const temp = await tempPgSchema();
    cleanups.push(temp.drop);
    const store = await PgStateStore.open(temp.url, { schema: temp.schema, maxConnections: 2 });
    cleanups.push(() => store.close());
    const client = new pg.Client({ connectionString: temp.url, options: `-c search_path=${temp.schema}` });
    await client.connect();
    cleanups.push(() => client.end().catch(() => {}));
    return {
      store,
      olderCommit: async (whole) => {
        await client.query('UPDATE tenant_state SET rule_state = $1, rule_state_version = rule_state_version + 1 WHERE tenant = $2', [whole, 'acme']);
      },
    };
  });
});
