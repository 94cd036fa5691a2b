import { describe, expect, it } from 'vitest';
import { evaluate, initialState, restoreState, stateGroups, type EngineState } from '../../src/engine/index.js';
import { eventFactory, ruleSet, SECOND } from '../helpers/engine-fixtures.js';

// What one poller page costs must not grow with the whole state: a page copies
// only the part of the state it touches, and the scan of every group (pruning)
// runs once per interval of event time, not on every call.
const set = ruleSet([{ id: 'bf', match: { codes: ['fp'] }, threshold: { count: 50, window: '10m', group_by: ['ip'] } }]);

function manyGroups(): EngineState {
  const ev = eventFactory();
  const events = Array.from({ length: 2_000 }, (_, i) => ev(i * 10, { ip: `10.0.${i >> 8}.${i & 255}` }));
  return evaluate(set, initialState(), events).state;
}

describe('per-call cost of the state', () => {
  it('shares every bucket a page does not touch with the input state', () => {
    const before = manyGroups();
    const ev = eventFactory();
    const after = evaluate(set, before, [ev(20 * SECOND, { ip: '10.0.0.1' })]).state;
    const shared = after.buckets.filter((bucket, i) => bucket === before.buckets[i]).length;
    expect(shared).toBe(before.buckets.length - 1);
    expect(after.size).toBe(before.size);
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
    const v1 = { version: 1, clock: busy.clock, groups: stateGroups(busy) };
    const migrated = restoreState(JSON.parse(JSON.stringify(v1)));
    expect(stateGroups(migrated)).toEqual(stateGroups(busy));
    expect(migrated.size).toBe(2_000);
    expect(restoreState('{"version":2,"clock":1}')).toEqual(initialState());
  });
});
