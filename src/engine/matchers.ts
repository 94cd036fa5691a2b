import { cidrMatcher, parseCidr, type Cidr } from './cidr.js';
import { fieldGetter, isPresent, type FieldGetter } from './fields.js';
import type { Condition, Where } from './rule-schema.js';

/** A tiny predicate over one event, built once per rule. */
export type EventPredicate = (event: object) => boolean;

type Scalar = string | number | boolean;

/** `equals: false` matches the boolean false and the string "false"; objects never equal a scalar. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Strings to search for contains/regex: a scalar, or each scalar element of an array. */
function searchableTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(scalarText).filter((text): text is string => text !== undefined);
  const text = scalarText(value);
  return text === undefined ? [] : [text];
}

function cidrs(spec: string | string[]): Cidr[] {
  return (Array.isArray(spec) ? spec : [spec]).map((text) => parseCidr(text)).filter((c): c is Cidr => !!c);
}

/** A rule's regular expression, compiled once: case-insensitive, unanchored. Used by `regex` and `not_regex`. */
export function compileRuleRegex(source: string): { test(text: string): boolean } {
  return new RegExp(source, 'iu');
}

/**
 * Negative operators (not_equals, not_in, not_regex, not_cidr) hold only when
 * the field is present: "country not DE" is not true of an event that has no
 * location at all — a security rule that fired on every event lacking the
 * field would be noise, and one that silently meant "or missing" would hide
 * that the field never arrives. Absence is matched explicitly: `exists: false`
 * (alone, or in an `any` block beside the negative operator).
 */
function operatorPredicates(condition: Condition): Array<(value: unknown) => boolean> {
  const checks: Array<(value: unknown) => boolean> = [];
  if (condition.equals !== undefined) {
    const expected = String(condition.equals);
    checks.push((value) => scalarText(value) === expected);
  }
  if (condition.not_equals !== undefined) {
    const expected = String(condition.not_equals);
    checks.push((value) => isPresent(value) && scalarText(value) !== expected);
  }
  if (condition.in) {
    const allowed = new Set(condition.in.map((item: Scalar) => String(item)));
    checks.push((value) => {
      const text = scalarText(value);
      return text !== undefined && allowed.has(text);
    });
  }
  if (condition.not_in) {
    const denied = new Set(condition.not_in.map((item: Scalar) => String(item)));
    checks.push((value) => {
      if (!isPresent(value)) return false;
      const text = scalarText(value);
      return text === undefined || !denied.has(text);
    });
  }
  if (condition.contains !== undefined) {
    const needle = condition.contains.toLowerCase();
    checks.push((value) => searchableTexts(value).some((text) => text.toLowerCase().includes(needle)));
  }
  if (condition.regex !== undefined) {
    const pattern = compileRuleRegex(condition.regex);
    checks.push((value) => searchableTexts(value).some((text) => pattern.test(text)));
  }
  if (condition.not_regex !== undefined) {
    const pattern = compileRuleRegex(condition.not_regex);
    checks.push((value) => isPresent(value) && !searchableTexts(value).some((text) => pattern.test(text)));
  }
  if (condition.cidr !== undefined) {
    const inside = cidrMatcher(cidrs(condition.cidr));
    checks.push((value) => typeof value === 'string' && inside(value));
  }
  if (condition.not_cidr !== undefined) {
    const inside = cidrMatcher(cidrs(condition.not_cidr));
    checks.push((value) => typeof value === 'string' && isPresent(value) && !inside(value));
  }
  if (condition.exists !== undefined) {
    const wanted = condition.exists;
    checks.push((value) => isPresent(value) === wanted);
  }
  return checks;
}

/**
 * Every condition of `where` must hold; an empty `where` matches everything.
 * `any`: one of its blocks holds; `not`: its block does not hold as a whole.
 */
export function buildWherePredicate(where: Where | undefined): EventPredicate {
  const fieldChecks: Array<{ get: FieldGetter; checks: Array<(value: unknown) => boolean> }> = [];
  const blocks: EventPredicate[] = [];
  for (const [key, value] of Object.entries(where ?? {})) {
    if (value === undefined) continue;
    if (key === 'any') {
      const alternatives = (value as Where[]).map(buildWherePredicate);
      blocks.push((event) => alternatives.some((holds) => holds(event)));
    } else if (key === 'not') {
      const negated = buildWherePredicate(value as Where);
      blocks.push((event) => !negated(event));
    } else {
      fieldChecks.push({ get: fieldGetter(key), checks: operatorPredicates(value as Condition) });
    }
  }
  if (fieldChecks.length === 0 && blocks.length === 0) return () => true;
  return (event) => {
    for (const { get, checks } of fieldChecks) {
      const value = get(event);
      for (const check of checks) if (!check(value)) return false;
    }
    for (const holds of blocks) if (!holds(event)) return false;
    return true;
  };
}

/** `gd_*` → /^gd_.*$/; `?` matches one character. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function isGlob(code: string): boolean {
  return /[*?]/.test(code);
}
