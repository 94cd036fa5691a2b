import { describe, expect, it } from 'vitest';
import { RuleStateConflictError, StateError } from '../../src/errors.js';
import type { StateStore, StreamCommit } from '../../src/state/store.js';
import type { Profile } from '../../src/engine/index.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import type { StoreFixture } from './store-contract.js';

const logId = (n: number) => `900202401010000000000000000000000000000000000000000${String(n).padStart(6, '0')}`;
const pendingLogIds = async (store: StateStore) => (await store.pendingRows('#alerts', 100)).rows.flatMap((row) => row.alert.logIds);

/**
 * The contract of the intake methods (seen log ids, stream batches, the
 * rule-state version), run by describeStateStore for every back end.
 */
export function describeIntakeContract(fresh: () => Promise<StoreFixture>): void {
  const batch = (version: number, ids: number[], extra: Partial<StreamCommit> = {}): StreamCommit => ({
    ruleStateVersion: version,
    ruleState: { streamed: ids },
    alerts: ids.map((n) => makeAlert({ channel: undefined, logIds: [logId(n)] })),
    logIds: ids.map(logId),
    defaultChannel: '#alerts',
    now: new Date('2024-05-01T12:00:00Z'),
    ...extra,
  });

  describe('intake: seen log ids and the shared rule state', () => {
    it('stores a stream batch — alerts, rule state, seen ids, delivery time — without a checkpoint', async () => {
      const { store, reopen } = await fresh();
      expect(await store.seenLogIds('acme', [logId(1)])).toEqual(new Set());
      expect(await store.commitStreamBatch('acme', batch(0, [1, 2]))).toEqual({ ruleStateVersion: 1 });
      const other = await reopen();
      expect(await other.readTenant('acme')).toMatchObject({
        checkpoint: null,
        ruleState: { streamed: [1, 2] },
        ruleStateVersion: 1,
        lastStreamAt: '2024-05-01T12:00:00.000Z',
      });
      expect(await other.seenLogIds('acme', [logId(1), logId(2), logId(3)])).toEqual(new Set([logId(1), logId(2)]));
      expect(await pendingLogIds(other)).toEqual([logId(1), logId(2)]);
    });

    it('remembers a whole batch of seen ids, odd ones as they were (quote, backslash, NUL, emoji), a near miss not seen', async () => {
      const { store } = await fresh();
      // (A lone surrogate is PostgreSQL's own test: SQLite stores text as UTF-8, where it has no form.)
      const odd = ['900"quoted', 'back\\slash', '900\u0000evil', '🙂'];
      const many = Array.from({ length: 3000 }, (_, i) => logId(i + 10));
      await store.commitStreamBatch('acme', { ...batch(0, []), logIds: [...odd, ...many, odd[0]!] });
      expect(await store.seenLogIds('acme', [...odd, ...many, '900\\u0000evil', '900\\0evil', 'lone', logId(5)])).toEqual(new Set([...odd, ...many]));
    });

    it('counts every commit of rule state, poll page or stream batch, in one version', async () => {
      const { store } = await fresh();
      const page = { after: null, checkpoint: logId(5), checkpointDate: null, ruleState: { polled: 5 }, alerts: [], defaultChannel: '#alerts', ruleStateVersion: 0, logIds: [logId(4), logId(5)] };
      expect(await store.commitPage('acme', page)).toEqual({ ruleStateVersion: 1 });
      expect(await store.commitStreamBatch('acme', batch(1, [6]))).toEqual({ ruleStateVersion: 2 });
      expect(await store.commitPage('acme', { ...page, after: logId(5), checkpoint: logId(7), ruleStateVersion: 2, logIds: [logId(7)] })).toEqual({ ruleStateVersion: 3 });
      expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(7), ruleStateVersion: 3, ruleState: { polled: 5 } });
      // The poller evaluated events of its own (the stream had not delivered them): noted for stream health.
      expect((await store.readTenant('acme'))?.lastPollNewAt).not.toBeNull();
      await store.commitPage('globex', { ...page, logIds: [] });
      expect((await store.readTenant('globex'))?.lastPollNewAt).toBeNull();
      // The poller's ids are seen too: a stream delivering them later is skipped.
      expect(await store.seenLogIds('acme', [4, 5, 6, 7, 8].map(logId))).toEqual(new Set([4, 5, 6, 7].map(logId)));
    });

    it('stores a stream batch’s changed profiles with it, and none of a refused batch', async () => {
      const { store, reopen } = await fresh();
      const profile = (seen: number): Profile => ({ kind: 'values', seen, since: seen, values: { NL: seen } });
      await store.commitStreamBatch('acme', batch(0, [1], { profiles: new Map([['k', profile(1_000)]]) }));
      const other = await reopen();
      expect(await other.loadProfiles('acme', ['k'])).toEqual(new Map([['k', profile(1_000)]]));
      await expect(other.commitStreamBatch('acme', batch(0, [2], { profiles: new Map([['k', profile(2_000)]]) }))).rejects.toBeInstanceOf(RuleStateConflictError);
      expect(await store.loadProfiles('acme', ['k'])).toEqual(new Map([['k', profile(1_000)]]));
    });

    it('refuses a stream batch evaluated on an older rule state, storing nothing of it', async () => {
      const { store, reopen } = await fresh();
      await store.commitStreamBatch('acme', batch(0, [1]));
      const other = await reopen();
      const stale = other.commitStreamBatch('acme', batch(0, [2], { ruleState: { stale: true } }));
      await expect(stale).rejects.toBeInstanceOf(RuleStateConflictError);
      await expect(other.commitStreamBatch('acme', batch(0, [2]))).rejects.toThrow(/another writer committed meanwhile/);
      expect(await store.readTenant('acme')).toMatchObject({ ruleState: { streamed: [1] }, ruleStateVersion: 1 });
      expect(await store.seenLogIds('acme', [logId(2)])).toEqual(new Set());
      expect(await pendingLogIds(store)).toEqual([logId(1)]);
    });

    it('refuses a poll page evaluated on an older rule state (a stream batch committed meanwhile), storing nothing of it', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', { after: null, checkpoint: logId(1), checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts', ruleStateVersion: 0 });
      await store.commitStreamBatch('acme', batch(1, [3]));
      const page = { after: logId(1), checkpoint: logId(3), checkpointDate: null, ruleState: { polled: 3 }, alerts: [makeAlert({ channel: undefined, logIds: [logId(2)] })], defaultChannel: '#alerts', ruleStateVersion: 1, logIds: [logId(2)] };
      const refused = store.commitPage('acme', page);
      await expect(refused).rejects.toBeInstanceOf(RuleStateConflictError);
      // A conflict passes (retry), unlike a checkpoint moved by another poller.
      await expect(store.commitPage('acme', page)).rejects.toMatchObject({ retryable: true });
      expect(await store.readTenant('acme')).toMatchObject({ checkpoint: logId(1), ruleStateVersion: 2 });
      expect(await pendingLogIds(store)).toEqual([logId(3)]);
      // The checkpoint check comes first: another poller's commit is told apart from a rule-state conflict.
      await expect(store.commitPage('acme', { ...page, after: logId(0), ruleStateVersion: 2 })).rejects.toSatisfy(
        (error: unknown) => error instanceof StateError && !(error instanceof RuleStateConflictError),
      );
    });

    it('keeps seen ids per tenant and forgets those seen before the cutoff', async () => {
      const { store } = await fresh();
      await store.commitStreamBatch('acme', batch(0, [1], { now: new Date('2024-04-01T00:00:00Z') }));
      await store.commitStreamBatch('acme', batch(1, [2], { now: new Date('2024-05-01T00:00:00Z') }));
      await store.commitStreamBatch('globex', batch(0, [1], { now: new Date('2024-05-01T00:00:00Z') }));
      expect(await store.seenLogIds('globex', [logId(1), logId(2)])).toEqual(new Set([logId(1)]));
      expect(await store.pruneSeenLogIds(new Date('2024-04-15T00:00:00Z'))).toBe(1);
      expect(await store.seenLogIds('acme', [logId(1), logId(2)])).toEqual(new Set([logId(2)]));
      expect(await store.seenLogIds('globex', [logId(1)])).toEqual(new Set([logId(1)]));
      expect(await store.seenLogIds('acme', [])).toEqual(new Set());
    });

    it('answers for a large batch of ids at once', async () => {
      const { store } = await fresh();
      const ids = Array.from({ length: 1_500 }, (_, index) => index + 1);
      await store.commitStreamBatch('acme', { ...batch(0, []), logIds: ids.map(logId) });
      const asked = [...ids.map(logId), logId(9_999)];
      expect((await store.seenLogIds('acme', asked)).size).toBe(1_500);
    });
  });
}
