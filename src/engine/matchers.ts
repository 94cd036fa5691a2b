import { RE2JS } from 're2js';
import { EVENT_LIMITS, cutText } from '../auth0/event-values.js';
import { cidrMatcher, parseCidr, type Cidr } from './cidr.js';
import { fieldGetter, isPresent, type FieldGetter } from './fields.js';
import type { Condition, Where } from './rule-schema.js';

/** A tiny predicate over one event, built once per rule. */
export type EventPredicate = (event: object) => boolean;

type Scalar = string | number | boolean;

/** Something that says whether a text matches: a rule `regex` or a code glob. */
export interface TextPattern {
  test(text: string): boolean;
}

/** A rule's `regex` the engine cannot run, with RE2's reason. */
export class RuleRegexError extends Error {}

/**
 * Compiles a rule `regex` (and `not_regex`) with RE2 (re2js, pure JavaScript):
 * matching takes time linear in the text whatever the pattern, so no rule and
 * no log value can backtrack. Case-insensitive and unanchored, as documented.
 * RE2 syntax has no lookaround and no backreferences; such a pattern throws a
 * RuleRegexError naming why (`rules check` shows it). Texts longer than
 * EVENT_LIMITS.valueLength are matched on their first that many characters.
 */
export function compileRuleRegex(source: string): TextPattern {
  let compiled: ReturnType<typeof RE2JS.compile>;
  try {
    compiled = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    // RE2 quotes the pattern with the (?i) it adds for case-insensitivity: the reader never wrote that.
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '').replace(/`\(\?i\)/g, '`') : String(error);
    throw new RuleRegexError(`not a valid RE2 regular expression: ${reason}${unsupportedFeature(source)}`);
  }
  return { test: (text) => compiled.test(text.length > EVENT_LIMITS.valueLength ? cutText(text, EVENT_LIMITS.valueLength) : text) };
}

/**
 * What RE2 leaves out, named: it calls a lookbehind an "invalid named capture"
 * and a backreference an "invalid escape sequence", which sends the reader the wrong way.
 */
function unsupportedFeature(source: string): string {
  const why = ' (RE2 keeps matching linear in the text; see README, Conditions)';
  if (/\(\?<[=!]/.test(source)) return ` — lookbehind (?<=…) / (?<!…) is not supported${why}`;
  if (/\(\?[=!]/.test(source)) return ` — lookahead (?=…) / (?!…) is not supported${why}`;
  if (/(^|[^\\])(\\\\)*\\([1-9]|k<)/.test(source)) return ` — backreferences (\\1, \\k<name>) are not supported${why}`;
  return '';
}

/**
 * The texts a value offers to the operators: a string (or number / boolean, as
 * written) is one text; an array offers each of its scalar elements; an object,
 * null or a missing field offers none.
 */
function searchableTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(scalarText).filter((text): text is string => text !== undefined);
  const text = scalarText(value);
  return text === undefined ? [] : [text];
}

/** `equals: false` matches the boolean false and the string "false"; objects never equal a scalar. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > EVENT_LIMITS.valueLength ? cutText(value, EVENT_LIMITS.valueLength) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A positive test holds when any text of the value passes it (a scalar, or an element of an array). */
const anyText =
  (test: (text: string) => boolean) =>
  (value: unknown): boolean =>
    searchableTexts(value).some(test);

function cidrs(spec: string | string[]): Cidr[] {
  return (Array.isArray(spec) ? spec : [spec]).map((text) => parseCidr(text)).filter((c): c is Cidr => !!c);
}

/**
 * Positive operators (equals, in, contains, regex, cidr) hold when the value,
 * or any element of an array value, passes; objects pass none of them.
 * Negative operators (not_equals, not_in, not_regex, not_cidr) hold only when
 * the field is present and its positive counterpart does not: "country not DE"
 * is not true of an event that has no location at all — a security rule that
 * fired on every event lacking the field would be noise, and one that silently
 * meant "or missing" would hide that the field never arrives. Absence is
 * matched explicitly: `exists: false` (alone, or in an `any` block beside the
 * negative operator).
 */
function operatorPredicates(condition: Condition): Array<(value: unknown) => boolean> {
  const checks: Array<(value: unknown) => boolean> = [];
  if (condition.equals !== undefined) {
    const expected = String(condition.equals);
    checks.push(anyText((text) => text === expected));
  }
  if (condition.not_equals !== undefined) {
    const expected = String(condition.not_equals);
    const equal = anyText((text) => text === expected);
    checks.push((value) => isPresent(value) && !equal(value));
  }
  if (condition.in) {
    const allowed = new Set(condition.in.map((item: Scalar) => String(item)));
    checks.push(anyText((text) => allowed.has(text)));
  }
  if (condition.not_in) {
    const denied = new Set(condition.not_in.map((item: Scalar) => String(item)));
    const listed = anyText((text) => denied.has(text));
    checks.push((value) => isPresent(value) && !listed(value));
  }
  if (condition.contains !== undefined) {
    const needle = condition.contains.toLowerCase();
    checks.push(anyText((text) => text.toLowerCase().includes(needle)));
  }
  if (condition.regex !== undefined) {
    const pattern = compileRuleRegex(condition.regex);
    checks.push(anyText((text) => pattern.test(text)));
  }
  if (condition.not_regex !== undefined) {
    const pattern = compileRuleRegex(condition.not_regex);
    const matches = anyText((text) => pattern.test(text));
    checks.push((value) => isPresent(value) && !matches(value));
  }
  if (condition.cidr !== undefined) {
    const inside = cidrMatcher(cidrs(condition.cidr));
    checks.push(anyText(inside));
  }
  if (condition.not_cidr !== undefined) {
    const inside = anyText(cidrMatcher(cidrs(condition.not_cidr)));
    checks.push((value) => isPresent(value) && !inside(value));
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

/** `gd_*` matches codes starting with `gd_`; `?` matches one character. Linear time (RE2), anchored, case-sensitive. */
export function globToRegExp(glob: string): TextPattern {
  const source = glob.replace(/[^*?]+/g, (literal) => RE2JS.quote(literal)).replace(/\*/g, '.*').replace(/\?/g, '.');
  const compiled = RE2JS.compile(source, RE2JS.DOTALL);
  return { test: (code) => compiled.testExact(code) };
}

export function isGlob(code: string): boolean {
  return /[*?]/.test(code);
}
