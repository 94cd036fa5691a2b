// Compiled rules of every kind share one object shape (compile.ts sets every key, undefined when a
// rule lacks it): evaluation reads rules of all kinds at the same places, and a shape per kind made
// those reads megamorphic (about a tenth of a steady pass's instructions went with it). Keys are
// compared in order: V8 gives objects the same shape only when their keys were added in the same order.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, loadRules } from '../../src/engine/index.js';

describe('compiled rules', () => {
  const catalog = loadCatalog();
  const { rules } = loadRules('rules', catalog);
  const { rules: compiled } = compileRules(rules, catalog);
  const keysOf = (objects: readonly object[]) => [...new Set(objects.map((object) => Object.keys(object).join(',')))];

  it('have the same keys in the same order, whatever their kind', () => {
    expect(new Set(compiled.map((rule) => rule.kind)).size).toBeGreaterThan(3);
    expect(keysOf(compiled)).toHaveLength(1);
  });

  it('have thresholds, sequences and steps of one shape each', () => {
    expect(keysOf(compiled.flatMap((rule) => (rule.threshold ? [rule.threshold] : [])))).toHaveLength(1);
    expect(keysOf(compiled.flatMap((rule) => (rule.sequence ? [rule.sequence] : [])))).toHaveLength(1);
    expect(keysOf(compiled.flatMap((rule) => rule.sequence?.steps ?? []))).toHaveLength(1);
  });
});
