import { describe, expect, it } from 'vitest';
import { DISPLAY_FIELDS, normalizeLogEvent, type LogEvent } from '../../src/auth0/log-event.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, evaluate, expandTestEvents, initialState, loadRules, type Rule } from '../../src/engine/index.js';

/**
 * Issue 11, point 1: a security event is never dropped for an odd display-field
 * type. Every default rule's own tests run again with their events' display
 * fields turned into numbers, objects and arrays (as a loose Auth0 schema or an
 * attacker's input may deliver them), plus hostile extra fields; each test must
 * raise the same alerts for the same log ids.
 */
const catalog = loadCatalog();
const loaded = loadRules('rules', catalog);

function deep(levels: number): unknown {
  let value: unknown = { leaf: 'x' };
  for (let i = 0; i < levels; i++) value = { d: value };
  return value;
}
const DEEP = deep(10_000);

/** The top-level fields a `where` reads, through its `any` and `not` blocks. */
function whereRoots(where: unknown): string[] {
  if (!where || typeof where !== 'object') return [];
  return Object.entries(where).flatMap(([key, value]) =>
    key === 'any' && Array.isArray(value) ? value.flatMap(whereRoots) : key === 'not' ? whereRoots(value) : [key.split('.')[0]!],
  );
}

/**
 * Fields a rule reads to decide — its conditions, keys and counted values, and
 * a travel rule's coordinates — keep their type (a number cannot match a regex
 * written for words) and are not replaced by the hostile extras.
 */
function whereFields(rule: Rule): Set<string> {
  const wheres = [rule.match?.where, ...(rule.sequence?.steps.map((step) => step.where) ?? [])];
  const keys = [
    ...(rule.threshold?.group_by ?? []),
    ...(rule.threshold?.distinct ? [rule.threshold.distinct] : []),
    ...(rule.sequence ? [...rule.sequence.by, ...rule.sequence.steps.flatMap((step) => [...(step.by ?? []), ...(step.distinct ? [step.distinct] : [])])] : []),
    ...(rule.impossible_travel ? [...rule.impossible_travel.by, 'location_info'] : []),
    ...(rule.new_value ? [rule.new_value.field, ...rule.new_value.by] : []),
  ];
  return new Set([...wheres.flatMap(whereRoots), ...keys.map((path) => path.split('.')[0]!)]);
}

type Variant = (value: string, field: string) => unknown;
const numbers = new Map<string, number>();
const VARIANTS: Record<string, { display: Variant; extras: Record<string, unknown>; keepWhere: boolean }> = {
  'objects': { display: (value) => ({ value }), extras: {}, keepWhere: false },
  'arrays': { display: (value) => [value], extras: {}, keepWhere: false },
  'numbers': {
    // Distinct strings stay distinct numbers, so groups and distinct counts are unchanged.
    display: (value) => numbers.get(value) ?? (numbers.set(value, numbers.size + 1), numbers.size),
    extras: {},
    keepWhere: true,
  },
  'hostile extras': {
    display: (value) => value,
    extras: { details: DEEP, location_info: 'Amsterdam', scope: ['read:users', 42, null, { x: true }], isMobile: 1, user_agent: 'u'.repeat(5_000_000) },
    keepWhere: true,
  },
};

function oddEvents(rule: Rule, events: readonly LogEvent[], variant: (typeof VARIANTS)[string]): LogEvent[] {
  const keep = variant.keepWhere ? whereFields(rule) : new Set<string>();
  return events.map((event) => {
    const raw: Record<string, unknown> = { ...event };
    for (const field of DISPLAY_FIELDS) {
      const value = event[field];
      if (typeof value === 'string' && value !== '' && !keep.has(field)) raw[field] = variant.display(value, field);
    }
    for (const [field, value] of Object.entries(variant.extras)) if (!keep.has(field)) raw[field] = value;
    const parsed = normalizeLogEvent(raw);
    if (!parsed.ok) throw new Error(`odd event rejected: ${parsed.problem}`);
    return parsed.event;
  });
}

describe('default rules with odd-typed fields (issue 11, point 1)', () => {
  it('the rules load', () => {
    expect(loaded.problems).toEqual([]);
    expect(loaded.rules.length).toBeGreaterThanOrEqual(12);
  });

  for (const rule of loaded.rules) {
    describe(rule.id, () => {
      const ruleSet = compileRules([{ ...rule, enabled: true }], catalog);
      for (const test of rule.tests ?? []) {
        const { events, problems } = expandTestEvents(rule, test.events);
        const baseline = evaluate(ruleSet, initialState(), events).alerts;
        for (const [name, variant] of Object.entries(VARIANTS)) {
          it(`${test.name} — with ${name}`, () => {
            expect(problems).toEqual([]);
            const result = evaluate(ruleSet, initialState(), oddEvents(rule, events, variant));
            expect(result.skipped).toEqual([]);
            const firing = result.alerts.filter((alert) => alert.kind === 'alert');
            expect(firing).toHaveLength(test.expect.alerts);
            expect(result.alerts.map((alert) => [alert.kind, alert.logIds])).toEqual(baseline.map((alert) => [alert.kind, alert.logIds]));
            // What the outbox will store is bounded, whatever came in.
            for (const alert of result.alerts) expect(JSON.stringify(alert).length).toBeLessThan(20_000);
          });
        }
      }
    });
  }
});
