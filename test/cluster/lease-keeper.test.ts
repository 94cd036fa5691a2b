import { afterEach, describe, expect, it } from 'vitest';
import { LeaseKeeper, takeoverBoundMs } from '../../src/cluster/lease-keeper.js';
import { PgStateStore } from '../../src/state/postgres/store.js';
import type { StateStore } from '../../src/state/store.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';
import { describePg, tempPgSchema } from '../helpers/pg.js';
import { tempStateDb } from '../helpers/temp-db.js';

const LEASE_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One replica's keeper, recording when each tenant was taken and when its polling was told to stop. */
class Replica {
  readonly events: Array<{ tenant: string; kind: 'start' | 'stop'; at: number }> = [];
  readonly keeper: LeaseKeeper;
  constructor(
    readonly id: string,
    readonly store: StateStore,
    tenants: string[],
  ) {
    this.keeper = new LeaseKeeper({
      store,
      replica: { id, host: 'test', pid: 1 },
      tenants,
      leaseMs: LEASE_MS,
      logger: captureLogger().logger,
      onAcquire: (tenant, signal) => {
        this.events.push({ tenant, kind: 'start', at: performance.now() });
        signal.addEventListener('abort', () => this.events.push({ tenant, kind: 'stop', at: performance.now() }));
      },
      whenStopped: async () => {},
    });
  }
  /** Intervals during which this replica polled `tenant` (an open one ends at Infinity). */
  intervals(tenant: string): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const event of this.events.filter((e) => e.tenant === tenant)) {
      if (event.kind === 'start') out.push([event.at, Infinity]);
      else out[out.length - 1]![1] = event.at;
    }
    return out;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000, diagnostics = () => ''): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what} ${diagnostics()}`);
    await sleep(20);
  }
}

/** No two replicas poll one tenant at overlapping times. */
function expectOnePollerAtATime(replicas: Replica[], tenant: string): void {
  const all = replicas.flatMap((r) => r.intervals(tenant).map(([from, to]) => ({ id: r.id, from, to }))).sort((a, b) => a.from - b.from);
  for (let i = 1; i < all.length; i++) expect(all[i]!.from, `${all[i]!.id} started ${tenant} before ${all[i - 1]!.id} stopped`).toBeGreaterThanOrEqual(all[i - 1]!.to);
}

function describeKeepers(name: string, openStores: (n: number) => Promise<{ stores: StateStore[]; crash(store: StateStore): Promise<void> }>): void {
  describe(`LeaseKeeper on ${name}`, () => {
    const running: LeaseKeeper[] = [];
    afterEach(async () => {
      for (const keeper of running.splice(0)) await keeper.stop().catch(() => {});
    });
    const start = (replica: Replica) => {
      running.push(replica.keeper);
      replica.keeper.start();
      return replica;
    };

    it('gives a tenant to one replica; when that one is cut off from the database it stops before another takes over, within the bound', async () => {
      const { stores, crash } = await openStores(2);
      const a = start(new Replica('a', stores[0]!, ['acme']));
      await until(() => a.keeper.held().length === 1, 'a to take acme');
      const b = start(new Replica('b', stores[1]!, ['acme']));
      await sleep(LEASE_MS * 2); // several renewals: b never gets it while a renews
      expect(b.keeper.held()).toEqual([]);
      expect(a.keeper.held()).toEqual(['acme']);

      const cutAt = performance.now();
      await crash(stores[0]!); // a's renewals now fail: a partition, as far as a can tell
      await until(() => b.keeper.held().length === 1, 'b to take over');
      const takenAt = b.intervals('acme')[0]![0];
      const stoppedAt = a.intervals('acme')[0]![1];
      expect(a.keeper.snapshot().databaseError).toEqual(expect.any(String)); // the cut happened
      expect(stoppedAt).toBeLessThan(takenAt); // the cut-off holder stopped first
      expect(stoppedAt - cutAt).toBeLessThanOrEqual(LEASE_MS);
      expect(takenAt - cutAt).toBeLessThanOrEqual(takeoverBoundMs(LEASE_MS) + 1_000); // + a pass's round trips on a busy machine
      expectOnePollerAtATime([a, b], 'acme');
    });

    it('spreads tenants (each replica at most ceil(tenants / replicas)), hands some to a replica that joins, and takes a retired one\'s back', async () => {
      const tenants = Array.from({ length: 10 }, (_, i) => `t${i}`);
      const { stores } = await openStores(3);
      const [a, b] = [start(new Replica('a', stores[0]!, tenants)), start(new Replica('b', stores[1]!, tenants))];
      await until(() => a.keeper.held().length + b.keeper.held().length === 10, 'all ten taken by two');
      const c = start(new Replica('c', stores[2]!, tenants));
      const replicas = [a, b, c];
      // The two holding five shed down to the share (4); the newcomer takes what they gave back.
      const settled = () =>
        c.keeper.held().length > 0 && replicas.every((r) => r.keeper.held().length <= 4) && replicas.reduce((n, r) => n + r.keeper.held().length, 0) === 10;
      await until(settled, 'ten spread over three', 10_000, () => JSON.stringify(replicas.map((r) => r.keeper.snapshot())));
      for (const r of replicas) expect(r.keeper.held().length).toBeLessThanOrEqual(Math.ceil(10 / 3));
      expect(new Set(replicas.flatMap((r) => r.keeper.held())).size).toBe(10);
      expect(c.keeper.snapshot()).toMatchObject({ replica: 'c', replicasAlive: 3, share: 4, databaseError: null });

      await c.keeper.stop(); // graceful: its leases are given back at once
      await until(() => a.keeper.held().length + b.keeper.held().length === 10, 'ten back on two', takeoverBoundMs(LEASE_MS) * 2);
      for (const tenant of tenants) expectOnePollerAtATime(replicas, tenant);
    });
  });
}

describeKeepers('SQLite', async (n) => {
  const temp = tempStateDb();
  cleanups.push(async () => temp.cleanup());
  const stores = [temp.store, ...Array.from({ length: n - 1 }, () => temp.reopen())];
  return { stores, crash: async (store) => store.close() };
});

await describePg('LeaseKeeper: PostgreSQL', () => {
  describeKeepers('PostgreSQL', async (n) => {
    const schema = await tempPgSchema();
    const stores = await Promise.all(Array.from({ length: n }, () => PgStateStore.open(schema.url, { schema: schema.schema, maxConnections: 2 })));
    cleanups.push(async () => {
      for (const store of stores) await store.close().catch(() => {});
      await schema.drop();
    });
    return { stores, crash: (store) => store.close() };
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
