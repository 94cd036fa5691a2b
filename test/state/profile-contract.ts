import { describe, expect, it } from 'vitest';
import { PROFILE_RETENTION_MS, type Profile } from '../../src/engine/index.js';
import type { StateStore } from '../../src/state/store.js';
import { makeAlert } from '../helpers/slack-fixtures.js';

/**
 * The profile part of the StateStore contract (per-key memory of the profile
 * rule kinds): every back end runs it through describeStateStore.
 */
export function describeProfileContract(fresh: () => Promise<{ store: StateStore; reopen(): Promise<StateStore> }>): void {
  const DAY = 86_400_000;
  const NOW = new Date('2024-06-01T12:00:00Z');
  const travel = (seen: number): Profile => ({ kind: 'travel', seen, points: [[seen, 52.37, 4.9, '198.51.100.7', 'Amsterdam, Netherlands']] });
  const values = (seen: number, ...known: string[]): Profile => ({ kind: 'values', seen, since: seen - DAY, values: Object.fromEntries(known.map((v) => [v, seen])) });
  const logId = (n: number) => `900202406010000000000000000000000000000000000000000${String(n).padStart(6, '0')}`;
  const page = (n: number, after: string | null, profiles?: Map<string, Profile>, alerts = [makeAlert()]) => ({
    after,
    checkpoint: logId(n),
    checkpointDate: NOW.toISOString(),
    ruleState: { n },
    alerts,
    defaultChannel: '#alerts',
    ...(profiles ? { profiles } : {}),
  });

  describe('profiles', () => {
    it('stores a page’s profiles with its alerts and checkpoint, readable by key from another connection', async () => {
      const { store, reopen } = await fresh();
      const written = new Map([
        ['travel\u0000auth0|alice', travel(NOW.getTime())],
        ['new-country\u0000auth0|alice', values(NOW.getTime(), 'NL', 'FR')],
      ]);
      await store.commitPage('acme', page(1, null, written));
      const other = await reopen();
      expect(await other.loadProfiles('acme', ['travel\u0000auth0|alice', 'new-country\u0000auth0|alice', 'travel\u0000auth0|nobody'])).toEqual(written);
      expect((await other.readTenant('acme'))?.checkpoint).toBe(logId(1));
      expect((await other.pendingStats()).count).toBe(1);
    });

    it('replaces a key’s profile on a later page and keeps tenants apart', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', page(1, null, new Map([['k', values(1_000, 'NL')]])));
      await store.commitPage('acme', page(2, logId(1), new Map([['k', values(2_000, 'NL', 'DE')]])));
      await store.commitPage('globex', page(1, null, new Map([['k', values(3_000, 'US')]])));
      expect(await store.loadProfiles('acme', ['k'])).toEqual(new Map([['k', values(2_000, 'NL', 'DE')]]));
      expect(await store.loadProfiles('globex', ['k'])).toEqual(new Map([['k', values(3_000, 'US')]]));
    });

    it('stores no profile of a refused page (another process committed from the same checkpoint)', async () => {
      const { store } = await fresh();
      await store.commitPage('acme', page(1, null));
      await expect(store.commitPage('acme', page(2, null, new Map([['k', travel(NOW.getTime())]])))).rejects.toThrow();
      expect(await store.loadProfiles('acme', ['k'])).toEqual(new Map());
    });

    it('forgets profiles unseen for longer than the retention period, keeping the others', async () => {
      const { store } = await fresh();
      const old = NOW.getTime() - PROFILE_RETENTION_MS - DAY;
      const recent = NOW.getTime() - DAY;
      await store.commitPage('acme', page(1, null, new Map([['old', travel(old)], ['recent', travel(recent)]])));
      expect(await store.pruneProfiles(NOW)).toBe(1);
      expect([...(await store.loadProfiles('acme', ['old', 'recent'])).keys()]).toEqual(['recent']);
      expect(await store.pruneProfiles(NOW)).toBe(0);
      expect(await store.pruneProfiles(NOW, 0)).toBe(1);
    });
  });
}
