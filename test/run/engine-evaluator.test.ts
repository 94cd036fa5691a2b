import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, loadRules, restoreState, type EngineState } from '../../src/engine/index.js';
import { StateBucket } from '../../src/engine/state.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
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

  it('reuses the text serialised before for the buckets a page left untouched, and writes the touched ones anew', () => {
    const evaluator = defaultRulesEvaluator();
    const { events } = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:00:00Z'), minutes: 4, attackers: 2 });
    const half = Math.floor(events.length / 2);
    const before = evaluator.evaluate(evaluator.initialState(), events.slice(0, half)).state as EngineState;
    const textBefore = evaluator.serialize!(before);
    const after = evaluator.evaluate(before, events.slice(half)).state as EngineState;
    const untouched = after.buckets.filter((bucket, i) => bucket === before.buckets[i] && (bucket as StateBucket).size > 0);
    const touched = after.buckets.filter((bucket, i) => bucket !== before.buckets[i]);
    // The setup this test needs: the second page left some buckets with groups as they were and changed others.
    expect(untouched.length).toBeGreaterThan(0);
    expect(touched.length).toBeGreaterThan(0);
    const expected = JSON.stringify(after);

    // A probe written into the untouched buckets after they were serialised (the engine never
    // mutates a bucket it returned): stringifying them again would show it, reusing their text not.
    for (const bucket of untouched) (bucket as StateBucket).set(PROBE, { rule: PROBE, group: {} });
    expect(JSON.stringify(after), 'the probe is visible to a fresh JSON.stringify').toContain(PROBE);
    const text = evaluator.serialize!(after);

    expect(text.includes(PROBE), 'an untouched bucket was serialised again instead of reusing its text').toBe(false);
    expect(text).toBe(expected);
    expect(text).not.toBe(textBefore);
  });
});
