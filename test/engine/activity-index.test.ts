// The activity index is a sorted run plus a heap for pushes that do not fit near the run's end; eviction
// and pruning rely on it yielding (time, key) pairs exactly in sorted order, as one heap would.
import { describe, expect, it } from 'vitest';
import { ActivityIndex } from '../../src/engine/activity-index.js';
import { bucketOf } from '../../src/engine/state.js';
import { seeded } from '../helpers/engine-traffic.js';

type Pair = [number, string];

const sorted = (pairs: Pair[]) => [...pairs].sort(([timeA, keyA], [timeB, keyB]) => timeA - timeB || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));

/** Pops every pair; each popped key must come with its bucket (eviction and pruning reach the group by it). */
function popAll(index: ActivityIndex): Pair[] {
  const popped: Pair[] = [];
  for (let key = index.popKey(); key !== undefined; key = index.popKey()) {
    expect(index.poppedBucket).toBe(bucketOf(key));
    popped.push([index.poppedTime, key]);
  }
  return popped;
}

describe('ActivityIndex', () => {
  it.each([
    // Groups of one event pushed together at one time, keys in any order (ties are broken by key).
    ['ties at equal times, keys in any order', [[5, 'b'], [5, 'a'], [5, 'c'], [6, 'a'], [5, 'd'], [6, '0']]],
    // A late event: just behind the run's end, and further back than the run takes (to the heap).
    ['late pushes near and far', [...Array.from({ length: 40 }, (_, i): Pair => [100 + i, `k${i}`]), [139, 'a'], [120, 'late'], [1, 'very late'], [100, 'k0']]],
    // The same pair pushed twice (a group pushed again with unchanged activity after a rebuild): both come out.
    ['duplicates', [[3, 'x'], [3, 'x'], [2, 'y'], [3, 'x']]],
  ] as Array<[string, Pair[]]>)('pops in (time, key) order: %s', (_name, pairs) => {
    const index = new ActivityIndex();
    for (const [time, key] of pairs) index.push(time, key);
    expect(index.length).toBe(pairs.length);
    expect(index.oldestTime).toBe(sorted(pairs)[0]![0]);
    expect(popAll(index)).toEqual(sorted(pairs));
    expect(index.oldestTime).toBe(Infinity);
  });

  it.each([1, 2, 3, 4])('pops what a sorted list would, pushes and pops interleaved, times mostly rising (seed %s)', (seed) => {
    const random = seeded(seed);
    const index = new ActivityIndex();
    let held: Pair[] = [];
    let clock = 0;
    for (let step = 0; step < 12_000; step++) {
      const roll = random();
      if (roll < 0.55) {
        // Mostly the newest time; now and then a late one (within a few seconds, or far back).
        if (random() < 0.5) clock += Math.floor(random() * 3);
        const late = random() < 0.1 ? Math.floor(random() * (random() < 0.2 ? 5_000 : 20)) : 0;
        const pair: Pair = [clock - late, `k${Math.floor(random() * 500)}`];
        index.push(...pair);
        held.push(pair);
      } else if (roll < 0.95 || held.length === 0) {
        const key = index.popKey();
        held = sorted(held);
        const expected = held.shift();
        expect(key === undefined ? undefined : [index.poppedTime, key]).toEqual(expected);
        if (key !== undefined) expect(index.poppedBucket).toBe(bucketOf(key));
      } else {
        expect(index.oldestTime).toBe(held.length === 0 ? Infinity : sorted(held)[0]![0]);
      }
      expect(index.length).toBe(held.length);
    }
    expect(popAll(index)).toEqual(sorted(held));
  });
});
