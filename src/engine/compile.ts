import type { Catalog } from '../catalog/types.js';
import { durationMs } from './duration.js';
import { fieldGetter, type FieldGetter } from './fields.js';
import { groupKeyStart, groupKeyStartHash } from './group-key.js';
import { buildWherePredicate, globToRegExp, isGlob, type EventPredicate, type TextPattern } from './matchers.js';
import { ruleCodes, type Rule } from './rule-schema.js';
import { compileTitle, type TitleRenderer } from './template.js';

/** What a rule does with the events it matches. */
export type RuleKind = 'match' | 'threshold' | 'sequence' | 'impossible_travel' | 'new_value';

/** A sequence step prepared for evaluation. */
export interface CompiledStep {
  readonly name: string;
  readonly count: number;
  /** Whether an event's code is one of the step's codes (exact set, then globs). */
  readonly hasCode: (code: string) => boolean;
  readonly matches: EventPredicate;
  /** Getters of the step's key fields, in the order of sequence.by. */
  readonly keyGetters: readonly FieldGetter[];
  /** Present when the step counts distinct values of a field rather than events. */
  readonly distinct?: FieldGetter;
}

/** A rule prepared for evaluation: every parse, split and regex done once. */
export interface CompiledRule {
  readonly rule: Rule;
  readonly id: string;
  readonly kind: RuleKind;
  /** Every code or glob the rule watches (match.codes, or its sequence steps' codes). */
  readonly codes: readonly string[];
  /** match.where (always true for sequences: their steps carry their own). */
  readonly matches: EventPredicate;
  /** Names and getters of the fields whose values make the incident group. */
  readonly groupBy: readonly string[];
  readonly groupGetters: readonly FieldGetter[];
  /**
   * What every group key of the rule starts with (its id, and the separator
   * when it has key fields; see group-key.ts) and bucketOf's hash of it: a
   * key's bucket is hashed from there on, not from its first character.
   */
  readonly keyStart: string;
  readonly keyStartHash: number;
  /** Present for threshold rules. */
  readonly threshold?: {
    readonly count: number;
    readonly windowMs: number;
    readonly distinct?: FieldGetter;
  };
  readonly sequence?: {
    readonly withinMs: number;
    readonly steps: readonly CompiledStep[];
    /** The fewest events that go through every step (a distinct step takes at least its count of events too). */
    readonly eventsNeeded: number;
    /** The steps whose codes take an event code, as a bit mask (bit s: steps[s].hasCode(code)). */
    readonly stepsWithCode: (code: string) => number;
  };
  readonly travel?: {
    readonly minDistanceKm: number;
    readonly minSpeedKmh: number;
  };
  readonly newValue?: {
    readonly field: string;
    readonly value: FieldGetter;
    readonly learnMs: number;
  };
  /** How long an incident stays open after its last match; undefined = every event is its own alert. */
  readonly throttleMs?: number;
  readonly renderTitle: TitleRenderer;
  /** Copied onto every alert of the rule. */
  readonly meta: { ruleDescription?: string; channel?: string; mention?: string; runbook?: string };
}

export interface RuleSet {
  readonly rules: readonly CompiledRule[];
  readonly byId: ReadonlyMap<string, CompiledRule>;
  /** Which rules an event code concerns; what this map lacks is looked up in `rulesForCode`. */
  readonly byCode: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Globs, kept for codes the catalog does not know yet (Auth0 adds codes over time). */
  readonly globs: ReadonlyArray<{ readonly pattern: TextPattern; readonly rule: CompiledRule }>;
  /** Memo of glob results for codes outside the catalog (bounded). */
  readonly unknownCodes: Map<string, readonly CompiledRule[]>;
  /** Sequence rule id → the fields of its group keys (see first-value-index.ts). */
  readonly sequenceKeyFields: ReadonlyMap<string, readonly string[]>;
}

const NO_RULES: readonly CompiledRule[] = [];
const UNKNOWN_CODE_MEMO_LIMIT = 1_000;

function kindOf(rule: Rule): RuleKind {
  if (rule.threshold) return 'threshold';
  if (rule.sequence) return 'sequence';
  if (rule.impossible_travel) return 'impossible_travel';
  if (rule.new_value) return 'new_value';
  return 'match';
}

/** A code test for a list of exact codes and globs. */
function codeTest(codes: readonly string[]): (code: string) => boolean {
  const exact = new Set(codes.filter((code) => !isGlob(code)));
  const globs = codes.filter(isGlob).map(globToRegExp);
  if (globs.length === 0) return (code) => exact.has(code);
  return (code) => exact.has(code) || globs.some((glob) => glob.test(code));
}

/**
 * Which of a sequence's steps take an event code, as a bit mask: one look-up
 * per event for the default rules (exact codes), where asking each step cost a
 * call and a Set look-up per step for every login of every sequence.
 */
function stepsWithCodeTest(steps: readonly CompiledStep[], codes: ReadonlyArray<readonly string[]>): (code: string) => number {
  if (codes.some((stepCodes) => stepCodes.some(isGlob))) {
    return (code) => {
      let mask = 0;
      for (let s = 0; s < steps.length; s++) if (steps[s]!.hasCode(code)) mask |= 1 << s;
      return mask;
    };
  }
  const masks = new Map<string, number>();
  codes.forEach((stepCodes, s) => {
    for (const code of stepCodes) masks.set(code, (masks.get(code) ?? 0) | (1 << s));
  });
  return (code) => masks.get(code) ?? 0;
}

function compileSequence(rule: Rule): CompiledRule['sequence'] {
  const sequence = rule.sequence;
  if (!sequence) return undefined;
  const steps = sequence.steps.map((step) => ({
    name: step.name ?? step.codes.join(', '),
    count: step.count ?? 1,
    hasCode: codeTest(step.codes),
    matches: buildWherePredicate(step.where),
    keyGetters: (step.by ?? sequence.by).map(fieldGetter),
    distinct: step.distinct ? fieldGetter(step.distinct) : undefined,
  }));
  return {
    withinMs: durationMs(sequence.within),
    eventsNeeded: sequence.steps.reduce((sum, step) => sum + (step.count ?? 1), 0),
    steps,
    stepsWithCode: stepsWithCodeTest(steps, sequence.steps.map((step) => step.codes)),
  };
}

/** The fields that key a rule's incidents (and, for keyed kinds, its memory). */
function groupFields(rule: Rule): string[] {
  const throttle = rule.throttle;
  if (rule.threshold) return rule.threshold.group_by ?? [];
  const keyed = rule.sequence ?? rule.impossible_travel ?? rule.new_value;
  if (keyed) return [...keyed.by];
  return typeof throttle === 'object' ? (throttle.by ?? []) : [];
}

function compileRule(rule: Rule): CompiledRule {
  const throttle = rule.throttle;
  const throttlePeriod = typeof throttle === 'string' ? throttle : throttle?.period;
  const groupBy = groupFields(rule);
  const keyStart = groupKeyStart(rule.id, groupBy.length);
  const windowMs = rule.threshold ? durationMs(rule.threshold.window) : undefined;
  const sequence = compileSequence(rule);
  // A threshold rule without throttle stays quiet for one window after firing, a sequence for its `within`.
  const defaultThrottleMs = windowMs ?? sequence?.withinMs;
  // Every key is set, undefined when the rule lacks it (also in steps and thresholds): one object
  // shape for every rule, so code reading rules of all kinds (settle, expiryOf, evaluateRule) does
  // not fall to megamorphic property loads — keys spread in only when present made a shape per kind.
  return {
    rule,
    id: rule.id,
    kind: kindOf(rule),
    codes: ruleCodes(rule),
    matches: buildWherePredicate(rule.match?.where),
    groupBy,
    groupGetters: groupBy.map(fieldGetter),
    keyStart,
    keyStartHash: groupKeyStartHash(keyStart),
    sequence,
    travel: rule.impossible_travel ? { minDistanceKm: rule.impossible_travel.min_distance_km, minSpeedKmh: rule.impossible_travel.min_speed_kmh } : undefined,
    newValue: rule.new_value
      ? {
          field: rule.new_value.field,
          value: fieldGetter(rule.new_value.field),
          learnMs: rule.new_value.learn ? durationMs(rule.new_value.learn) : 0,
        }
      : undefined,
    threshold:
      rule.threshold && windowMs !== undefined
        ? {
            count: rule.threshold.count,
            windowMs,
            distinct: rule.threshold.distinct ? fieldGetter(rule.threshold.distinct) : undefined,
          }
        : undefined,
    throttleMs: throttlePeriod ? durationMs(throttlePeriod) : defaultThrottleMs,
    renderTitle: compileTitle(rule.title ?? rule.description?.split('\n')[0] ?? rule.id),
    meta: {
      ...(rule.description?.trim() ? { ruleDescription: rule.description.trim() } : {}),
      ...(rule.channel ? { channel: rule.channel } : {}),
      ...(rule.mention ? { mention: rule.mention } : {}),
      ...(rule.runbook ? { runbook: rule.runbook.trim() } : {}),
    },
  };
}

/**
 * Builds the evaluation index. Disabled rules are dropped. Globs are expanded
 * against the catalog (so known codes cost one Map lookup) and also kept as a
 * fallback for codes the catalog does not know.
 */
export function compileRules(rules: readonly Rule[], catalog: Catalog): RuleSet {
  const compiled = rules.filter((rule) => rule.enabled !== false).map(compileRule);
  const byCode = new Map<string, CompiledRule[]>();
  const globs: Array<{ pattern: TextPattern; rule: CompiledRule }> = [];
  const add = (code: string, rule: CompiledRule): void => {
    const list = byCode.get(code) ?? [];
    if (!list.includes(rule)) list.push(rule);
    byCode.set(code, list);
  };
  const catalogCodes = catalog.all().map((entry) => entry.code);
  for (const rule of compiled) {
    for (const code of rule.codes) {
      if (!isGlob(code)) {
        add(code, rule);
        continue;
      }
      const pattern = globToRegExp(code);
      globs.push({ pattern, rule });
      for (const known of catalogCodes) if (pattern.test(known)) add(known, rule);
    }
  }
  // Codes only matched by exact listing still need the glob rules that also match them.
  for (const [code, list] of byCode) {
    for (const { pattern, rule } of globs) if (pattern.test(code) && !list.includes(rule)) list.push(rule);
  }
  // Keep file order within a code so alerts come out in a stable order.
  const order = new Map(compiled.map((rule, index) => [rule, index]));
  for (const list of byCode.values()) list.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return {
    rules: compiled,
    byId: new Map(compiled.map((rule) => [rule.id, rule])),
    byCode,
    globs,
    unknownCodes: new Map(),
    sequenceKeyFields: new Map(compiled.filter((rule) => rule.sequence).map((rule) => [rule.id, rule.groupBy])),
  };
}

/** The rules concerned by an event code: one Map lookup, or a memoised glob scan for unknown codes. */
export function rulesForCode(ruleSet: RuleSet, code: string): readonly CompiledRule[] {
  const known = ruleSet.byCode.get(code);
  if (known) return known;
  if (ruleSet.globs.length === 0) return NO_RULES;
  const memo = ruleSet.unknownCodes.get(code);
  if (memo) return memo;
  const found = ruleSet.globs.filter(({ pattern }) => pattern.test(code)).map(({ rule }) => rule);
  const result = found.length > 0 ? [...new Set(found)] : NO_RULES;
  if (ruleSet.unknownCodes.size < UNKNOWN_CODE_MEMO_LIMIT) ruleSet.unknownCodes.set(code, result);
  return result;
}
