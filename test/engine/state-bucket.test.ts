// A bucket keeps its first group in its own fields and the others in one array: whatever the position a
// group is added, replaced or removed at, the bucket must behave as a Map in insertion order, keep each
// group's LiveGroup beside it, and store and compare as its entries alone.
import { describe, expect, it } from 'vitest';
import { StateBucket, type GroupState } from '../../src/engine/state.js';
import type { LiveGroup } from '../../src/engine/working-state.js';
import { seeded } from '../helpers/engine-traffic.js';

const group = (n: number): GroupState => ({ rule: 'r', group: { n: String(n) } });
const live = (key: string) => ({ key }) as unknown as LiveGroup;

describe('StateBucket', () => {
  it('behaves as a Map in insertion order, its LiveGroups following their groups, under random adds, sets and deletes', () => {
    const random = seeded(7);
    const bucket = new StateBucket();
    const model = new Map<string, GroupState>();
    const lives = new Map<string, LiveGroup>();
    for (let step = 0; step < 4_000; step++) {
      const key = `k${Math.floor(random() * 6)}`;
      const roll = random();
      if (roll < 0.45) {
        const at = bucket.find(key);
        if (at < 0) {
          const added = group(step);
          const position = bucket.add(key, added);
          model.set(key, added);
          bucket.attach(position, live(key));
          lives.set(key, bucket.liveAt(position)!);
        }
      } else if (roll < 0.6) {
        // A replaced group loses its LiveGroup (it was about the old object).
        const replaced = group(step);
        bucket.set(key, replaced);
        model.set(key, replaced);
        lives.delete(key);
      } else {
        expect(bucket.delete(key)).toBe(model.delete(key));
        lives.delete(key);
      }
      expect(bucket.size).toBe(model.size);
      expect([...bucket.keys()]).toEqual([...model.keys()]);
      [...model].forEach(([k, g], i) => {
        expect(bucket.find(k)).toBe(i);
        expect(bucket.keyAt(i)).toBe(k);
        expect(bucket.groupAt(i)).toBe(g);
        expect(bucket.get(k)).toBe(g);
        expect(bucket.liveAt(i)).toBe(lives.get(k));
      });
      expect(bucket.has('absent')).toBe(false);
    }
  });

  it('stores and compares as its entries: a copy equals it, another group does not, LiveGroups never show', () => {
    const bucket = new StateBucket([
      ['a', group(1)],
      ['b', group(2)],
      ['c', group(3)],
    ]);
    bucket.attach(0, live('a'));
    bucket.attach(2, live('c'));
    expect(JSON.parse(JSON.stringify(bucket))).toEqual({ a: group(1), b: group(2), c: group(3) });
    expect(bucket).toEqual(new StateBucket(Object.entries({ a: group(1), b: group(2), c: group(3) })));
    expect(bucket).not.toEqual(new StateBucket(Object.entries({ a: group(1), b: group(9), c: group(3) })));
    expect(bucket).not.toEqual(new StateBucket(Object.entries({ a: group(1), c: group(3), b: group(2) })));
    // Iteration is a snapshot: deleting the entry being visited visits every entry once.
    const visited: string[] = [];
    for (const [key] of bucket) {
      visited.push(key);
      bucket.delete(key);
    }
    expect(visited).toEqual(['a', 'b', 'c']);
    expect(bucket.size).toBe(0);
    expect(bucket.toJSON()).toEqual({});
  });
});
