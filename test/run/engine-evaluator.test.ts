import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, loadRules, restoreState } from '../../src/engine/index.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
import { credentialStuffingBurst } from '../helpers/engine-traffic.js';

afterEach(() => vi.restoreAllMocks());

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

  it('does not stringify again the buckets a page left untouched', () => {
    const evaluator = defaultRulesEvaluator();
    const { events } = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:00:00Z'), minutes: 2, attackers: 2 });
    const state = evaluator.evaluate(evaluator.initialState(), events).state as { buckets: object[] };
    evaluator.serialize!(state);
    const stringify = vi.spyOn(JSON, 'stringify');
    const next = evaluator.evaluate(state, []).state as { buckets: object[] };
    evaluator.serialize!(next);
    // Only the header (version, clock, size…): no bucket was written by an empty page.
    const bucketCalls = stringify.mock.calls.filter(([value]) => state.buckets.includes(value as object) || next.buckets.includes(value as object));
    expect(bucketCalls).toEqual([]);
  });
});
