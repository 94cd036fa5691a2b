import { describe, expect, it } from 'vitest';
import { RuleStateConflictError, StateError } from '../../src/errors.js';
import type { PageCommit, RuleStateParts, StateStore } from '../../src/state/store.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import type { StoreFixture } from './store-contract.js';

const logId = (n: number) => `900202401010000000000000000000000000000000000000000${String(n).padStart(6, '0')}`;

type Parts = Omit<RuleStateParts, 'parts'> & { parts: Array<[number, string | null]> };
const parted = ({ parts, ...rest }: Parts): RuleStateParts => ({ ...rest, parts: new Map(parts) });

/**
 * A rule state stored in parts (StateStore commitPage / commitStreamBatch with
 * `ruleStateParts`): read back whole, written part by part, under the same
 * compare-and-set and in the same transaction as the page. Run by
 * describeStateStore for every back end.
 */
export function describeRuleStatePartsContract(fresh: () => Promise<StoreFixture>): void {
  const page = (n: number, after: string | null, version: number | undefined, parts: Parts | undefined, extra: Partial<PageCommit> = {}): Omit<PageCommit, 'now'> => ({
    after,
    checkpoint: logId(n),
    checkpointDate: null,
    ruleState: { unused: 'the parts are stored instead' },
    ...(parts ? { ruleStateParts: parted(parts) } : {}),
    ...(version !== undefined ? { ruleStateVersion: version } : {}),
    alerts: [],
    defaultChannel: '#alerts',
    ...extra,
  });
  const three: Parts = { header: '{"clock":5,"size":2}', field: 'buckets', parts: [[0, '{"a":1}'], [1, '{}'], [2, '{"c":[3]}']], complete: true };
  const ruleState = async (store: StateStore) => (await store.readTenant('acme'))?.ruleState;

  describe('rule state in parts', () => {
    it('reads a complete parted state back whole, from another connection too, and writes only the changed parts after it', async () => {
      const { store, reopen } = await fresh();
      expect(await store.commitPage('acme', page(1, null, 0, three))).toEqual({ ruleStateVersion: 1 });
      expect(await ruleState(await reopen())).toEqual({ clock: 5, size: 2, buckets: [{ a: 1 }, {}, { c: [3] }] });

      await store.commitPage('acme', page(2, logId(1), 1, { header: '{"clock":9,"size":1}', field: 'buckets', parts: [[1, '{"b":true}'], [2, null]], complete: false }));
      expect(await store.readTenant('acme')).toMatchObject({
        checkpoint: logId(2),
        ruleStateVersion: 2,
        ruleStateDamaged: false,
        ruleState: { clock: 9, size: 1, buckets: [{ a: 1 }, { b: true }] },
      });
    });

    it('an empty header and a complete commit that has fewer parts than before leave no old part behind', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', page(1, null, 0, three));
      await store.commitPage('acme', page(2, logId(1), 1, { header: '{}', field: 'list', parts: [[0, '"only"']], complete: true }));
      expect(await ruleState(store)).toEqual({ list: ['only'] });
    });

    it('refuses changed parts on a state stored whole (an older release) — nothing of the page stored — and takes a complete one', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', { ...page(1, null, 0, undefined), ruleState: { whole: true } });
      const changes: Parts = { ...three, complete: false };
      await expect(store.commitPage('acme', page(2, logId(1), 1, changes, { alerts: [makeAlert({ channel: undefined })], logIds: [logId(2)] }))).rejects.toBeInstanceOf(
        RuleStateConflictError,
      );
      expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(1), ruleStateVersion: 1, ruleState: { whole: true } });
      expect((await store.pendingStats()).count).toBe(0);
      expect(await store.seenLogIds('acme', [logId(2)])).toEqual(new Set());

      await store.commitPage('acme', page(2, logId(1), 1, three));
      expect(await ruleState(store)).toEqual({ clock: 5, size: 2, buckets: [{ a: 1 }, {}, { c: [3] }] });
    });

    it('refuses changed parts computed on another version, or on no named version, storing nothing', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', page(1, null, 0, three));
      const change: Parts = { header: '{}', field: 'buckets', parts: [[0, '"changed"']], complete: false };
      await expect(store.commitPage('acme', page(2, logId(1), 0, change))).rejects.toBeInstanceOf(RuleStateConflictError);
      await expect(store.commitPage('acme', page(2, logId(1), undefined, change))).rejects.toBeInstanceOf(StateError);
      expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(1), ruleStateVersion: 1, ruleState: { buckets: [{ a: 1 }, {}, { c: [3] }] } });
    });

    it('stores parts in the page transaction: a part that cannot be stored rolls back the alerts, seen ids and checkpoint', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', page(1, null, 0, three));
      const bad: Parts = { header: '{}', field: 'buckets', parts: [[0, '"fine"'], [-1, '"no such index"']], complete: false };
      await expect(store.commitPage('acme', page(2, logId(1), 1, bad, { alerts: [makeAlert({ channel: undefined })], logIds: [logId(2)] }))).rejects.toBeInstanceOf(StateError);
      expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(1), ruleStateVersion: 1, ruleState: { buckets: [{ a: 1 }, {}, { c: [3] }] } });
      expect((await store.pendingStats()).count).toBe(0);
      expect(await store.seenLogIds('acme', [logId(2)])).toEqual(new Set());
    });

    it('a state stored whole after parts is read whole (its parts are gone), and tenants keep their own parts', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', page(1, null, 0, three));
      await store.commitPage('globex', page(1, null, 0, { header: '{"g":1}', field: 'buckets', parts: [[0, '[]']], complete: true }));
      await store.commitPage('acme', { ...page(2, logId(1), 1, undefined), ruleState: { whole: 2 } });
      expect(await ruleState(store)).toEqual({ whole: 2 });
      // Parts again after whole: a complete commit, and changes on top of it.
      await store.commitPage('acme', page(3, logId(2), 2, { header: '{}', field: 'buckets', parts: [[0, '1']], complete: true }));
      await store.commitPage('acme', page(4, logId(3), 3, { header: '{}', field: 'buckets', parts: [[1, '2']], complete: false }));
      expect(await ruleState(store)).toEqual({ buckets: [1, 2] });
      expect((await store.listTenants()).map((t) => t.ruleState)).toEqual([{ buckets: [1, 2] }, { g: 1, buckets: [[]] }]);
    });

    it('a log-stream batch stores its rule state in parts too, under the version compare-and-set', async () => {
      const { store } = await fresh();
      const batch = (version: number, parts: Parts) => ({
        ruleStateVersion: version,
        ruleState: {},
        ruleStateParts: parted(parts),
        alerts: [],
        logIds: [logId(version + 1)],
        defaultChannel: '#alerts',
      });
      await store.commitStreamBatch('acme', batch(0, three));
      await store.commitStreamBatch('acme', batch(1, { header: '{"clock":6}', field: 'buckets', parts: [[0, 'null']], complete: false }));
      await expect(store.commitStreamBatch('acme', batch(1, { header: '{}', field: 'buckets', parts: [[0, '0']], complete: false }))).rejects.toBeInstanceOf(
        RuleStateConflictError,
      );
      expect(await store.readTenant('acme')).toMatchObject({ checkpoint: null, ruleStateVersion: 2, ruleState: { clock: 6, buckets: [null, {}, { c: [3] }] } });
    });

    it('reports a state whose parts have a gap as damaged rather than shifting them', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', page(1, null, 0, three));
      await store.commitPage('acme', page(2, logId(1), 1, { header: '{}', field: 'buckets', parts: [[1, null]], complete: false }));
      expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(2), ruleState: undefined, ruleStateDamaged: true });
    });
  });
}
