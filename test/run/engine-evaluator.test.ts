import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, loadRules, restoreState, type EngineState } from '../../src/engine/index.js';
import { STATE_BUCKETS, StateBucket } from '../../src/engine/state.js';
import { engineEvaluator, serializeEngineParts, type BucketTexts } from '../../src/run/engine-evaluator.js';
import { credentialStuffingBurst } from '../helpers/engine-traffic.js';

const PROBE = '__serialised_again__';

function defaultRulesEvaluator() {
  const catalog = loadCatalog();
  const loaded = loadRules('rules', catalog);
  expect(loaded.problems).toEqual([]);
  return engineEvaluator(compileRules(loaded.rules, catalog));
}

describe('engineEvaluator.serialize', () => {
  it('stores exactly what JSON.stringify would, page after page, and restores to the same state', () => {
    const evaluator = defaultRulesEvaluator();
    const { events } = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:00:00Z'), minutes: 5, attackers: 3 });
    let state = evaluator.initialState();
    for (let i = 0; i < events.length; i += 100) {
      state = evaluator.evaluate(state, events.slice(i, i + 100)).state;
      const json = evaluator.serialize!(state);
      expect(json).toBe(JSON.stringify(state));
      expect(restoreState(JSON.parse(json))).toEqual(state);
    }
  });

  it('reuses the text serialised before for the buckets a page left unwritten, and writes the written ones anew', () => {
    const evaluator = defaultRulesEvaluator();
    const { events } = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:00:00Z'), minutes: 4, attackers: 2 });
    const half = Math.floor(events.length / 2);
    const state = evaluator.evaluate(evaluator.initialState(), events.slice(0, half)).state as EngineState;
    const textBefore = evaluator.serialize!(state);
    const bucketsBefore = state.buckets.map((bucket) => JSON.stringify(bucket));
    const after = evaluator.evaluate(state, events.slice(half)).state as EngineState;
    expect(after).toBe(state);
    const untouched = after.buckets.filter((bucket, i) => JSON.stringify(bucket) === bucketsBefore[i] && (bucket as StateBucket).size > 0);
    const touched = after.buckets.filter((bucket, i) => JSON.stringify(bucket) !== bucketsBefore[i]);
    // The setup this test needs: the second page left some buckets with groups as they were and changed others.
    expect(untouched.length).toBeGreaterThan(0);
    expect(touched.length).toBeGreaterThan(0);
    const expected = JSON.stringify(after);

    // A probe written into the unwritten buckets behind the engine's back (it notes what it writes):
    // stringifying them again would show it, reusing their text not.
    for (const bucket of untouched) (bucket as StateBucket).set(PROBE, { rule: PROBE, group: {} });
    expect(JSON.stringify(after), 'the probe is visible to a fresh JSON.stringify').toContain(PROBE);
    const text = evaluator.serialize!(after);

    expect(text.includes(PROBE), 'an unwritten bucket was serialised again instead of reusing its text').toBe(false);
    expect(text).toBe(expected);
    expect(text).not.toBe(textBefore);
  });

  it('says which buckets changed since the state was last serialised (all of them for a state it has not seen)', () => {
    const evaluator = defaultRulesEvaluator();
    const texts: BucketTexts = new WeakMap();
    const { events } = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:00:00Z'), minutes: 4, attackers: 2 });
    const half = Math.floor(events.length / 2);
    const state = evaluator.evaluate(evaluator.initialState(), events.slice(0, half)).state as EngineState;
    const first = serializeEngineParts(state, texts);
    expect(first.changed).toHaveLength(STATE_BUCKETS);
    const before = [...first.buckets];
    evaluator.evaluate(state, events.slice(half));
    const second = serializeEngineParts(state, texts);
    const moved = second.buckets.map((text, i) => (text === before[i] ? -1 : i)).filter((i) => i >= 0);
    expect(moved.length).toBeGreaterThan(0);
    // Every bucket whose text moved is named; a named one was written (its text may come out the same).
    expect(second.changed).toEqual(expect.arrayContaining(moved));
    expect(second.changed.length).toBeLessThan(STATE_BUCKETS / 4);
    expect(second.buckets.map((text, i) => text === JSON.stringify(state.buckets[i])).every(Boolean)).toBe(true);
    expect(serializeEngineParts(state, texts).changed, 'nothing written since').toEqual([]);
    // A restored state is a new object: everything is serialised (and named) again.
    const restored = restoreState(JSON.parse(`${second.header.slice(0, -1)},"buckets":[${second.buckets.join(',')}]}`));
    expect(serializeEngineParts(restored, texts).changed).toHaveLength(STATE_BUCKETS);
  });
});
