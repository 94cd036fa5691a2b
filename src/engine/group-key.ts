import type { CompiledRule } from './compile.js';
import type { FieldGetter } from './fields.js';
import { valueText } from './fields.js';
import { bucketOfHash, keyHash } from './state.js';

/** Marks an absent value inside a group key (so "absent" never equals any text). */
const ABSENT = '\u0001';

/** What every group key of a rule with `fields` key fields starts with (compiled once, with the rule). */
export function groupKeyStart(ruleId: string, fields: number): string {
  return fields > 0 ? `${ruleId}\u0000` : ruleId;
}

/**
 * keyHash(start), for compiling a rule: the same FNV-1a in a loop of its own.
 * Through keyHash itself, the strings compiling passes (rule ids as the YAML
 * parser made them) were of other kinds than the keys evaluation hashes, and
 * its `text.length` and `text.charCodeAt` went megamorphic: a generic
 * property look-up per character of every key (+140 M instructions over the
 * bench's two passes of the whole pack).
 */
export function groupKeyStartHash(start: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < start.length; i++) {
    hash ^= start.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/**
 * The state key of a rule's group: rule id and each key value, NUL-separated.
 * Built without allocating the group record (made only for a new group), from
 * the rule's compiled key start: one string joined per key value.
 */
export function groupKey(rule: Pick<CompiledRule, 'keyStart' | 'groupGetters'>, event: object): string {
  const getters = rule.groupGetters;
  if (getters.length === 0) return rule.keyStart;
  let key = rule.keyStart + (valueText(getters[0]!(event)) ?? ABSENT);
  for (let i = 1; i < getters.length; i++) key += `\u0000${valueText(getters[i]!(event)) ?? ABSENT}`;
  return key;
}

/**
 * bucketOf(key) of a key groupKey made for `rule`, hashed on from the rule's
 * key start (hashed when compiled): a count rule hashed its whole key, rule
 * id included, for every event it matched — three rules per failed login.
 */
export function groupKeyBucket(rule: Pick<CompiledRule, 'keyStart' | 'keyStartHash'>, key: string): number {
  return bucketOfHash(keyHash(key, rule.keyStartHash, rule.keyStart.length));
}

/** The same key from values already read. */
export function groupKeyOf(ruleId: string, values: ReadonlyArray<string | null>): string {
  let key = ruleId;
  for (const value of values) key += `\u0000${value ?? ABSENT}`;
  return key;
}

/**
 * The key of an event whose key values must all be present (a sequence's later
 * step: an event without one joins nothing), its first value already read;
 * undefined when another is absent. Equals `groupKeyOf` of the same values.
 */
export function groupKeyOfPresent(ruleId: string, getters: readonly FieldGetter[], event: object, first: string): string | undefined {
  let key = `${ruleId}\u0000${first}`;
  for (let i = 1; i < getters.length; i++) {
    const value = valueText(getters[i]!(event));
    if (value === null) return undefined;
    key += `\u0000${value}`;
  }
  return key;
}

/** The group record shown in alerts: field name → value. */
export function groupRecord(names: readonly string[], values: ReadonlyArray<string | null>): Record<string, string | null> {
  const group: Record<string, string | null> = {};
  for (let i = 0; i < names.length; i++) group[names[i]!] = values[i] ?? null;
  return group;
}
