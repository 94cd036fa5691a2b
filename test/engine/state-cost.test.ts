import { describe, expect, it } from 'vitest';
import { cloneState, evaluate, initialState, restoreState, stateGroups, takeChangedBuckets, type EngineState } from '../../src/engine/index.js';
import { bucketOf } from '../../src/engine/state.js';
import { eventFactory, ruleSet, SECOND } from '../helpers/engine-fixtures.js';

// What one poller page costs must not grow with the whole state: a page writes
// the state in place and notes only the buckets it wrote (all the serialiser
// stringifies again), and the scan of every group (pruning) runs once per
// interval of event time, not on every call.
const set = ruleSet([{ id: 'bf', match: { codes: ['fp'] }, threshold: { count: 50, window: '10m', group_by: ['ip'] } }]);

function manyGroups(): EngineState {
  const ev = eventFactory();
  const events = Array.from({ length: 2_000 }, (_, i) => ev(i * 10, { ip: `10.0.${i >> 8}.${i & 255}` }));
  return evaluate(set, initialState(), events).state;
}

describe('per-call cost of the state', () => {
  it('notes as changed only the buckets a page wrote', () => {
    const before = manyGroups();
    expect(takeChangedBuckets(before).length).toBeGreaterThan(1_000);
    expect(takeChangedBuckets(before), 'taken: forgotten').toEqual([]);
    const texts = before.buckets.map((bucket) => JSON.stringify(bucket));
    const ev = eventFactory();
    const after = evaluate(set, before, [ev(20 * SECOND, { ip: '10.0.0.1' })]).state;
    expect(after).toBe(before);
    expect(after.size).toBe(2_000);
    const written = bucketOf('bf\u000010.0.0.1');
    expect(takeChangedBuckets(after)).toEqual([written]);
    // Exactly that bucket's text moved.
    const moved = after.buckets.map((bucket, i) => (JSON.stringify(bucket) === texts[i] ? -1 : i)).filter((i) => i >= 0);
    expect(moved).toEqual([written]);
  });

  it('a clone is a state of its own: evaluating one leaves the other as it was', () => {
    const original = manyGroups();
    const text = JSON.stringify(original);
    const copy = cloneState(original);
    expect(JSON.stringify(copy)).toBe(text);
    const ev = eventFactory();
    // Every group's window written, and an hour later every group pruned: neither reaches the original.
    evaluate(set, copy, Array.from({ length: 2_000 }, (_, i) => ev(30 * SECOND + i, { ip: `10.0.${i >> 8}.${i & 255}` })));
    evaluate(set, copy, [ev(3_600_000, { ip: '192.0.2.1' })]);
    expect(copy.size).toBe(1);
    expect(JSON.stringify(original)).toBe(text);
  });

  it('keeps the group count in step with the groups through creation and pruning', () => {
    const busy = manyGroups();
    expect(busy.size).toBe(2_000);
    expect(Object.keys(stateGroups(busy))).toHaveLength(2_000);
    const ev = eventFactory();
    // An hour later every window has expired: the next scan forgets them all.
    const later = evaluate(set, busy, [ev(3_600_000, { ip: '192.0.2.1' })]).state;
    expect(later.size).toBe(1);
    expect(Object.keys(stateGroups(later))).toEqual(['bf\u0000192.0.2.1']);
  });

  it('restores stored state, moving a version 1 flat group table into buckets', () => {
    const busy = manyGroups();
    expect(restoreState(JSON.stringify(busy))).toEqual(busy);
    // A state handed back in memory (a store that kept the object) is restored as a copy of its own.
    const kept = restoreState(busy);
    expect(kept).toEqual(busy);
    expect(kept.buckets.every((bucket, i) => bucket !== busy.buckets[i])).toBe(true);
    const v1 = { version: 1, clock: busy.clock, groups: stateGroups(busy) };
    const migrated = restoreState(JSON.parse(JSON.stringify(v1)));
    expect(stateGroups(migrated)).toEqual(stateGroups(busy));
    expect(migrated.size).toBe(2_000);
    expect(restoreState('{"version":2,"clock":1}')).toEqual(initialState());
  });
});
