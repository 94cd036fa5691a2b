import type { FieldGetter } from './fields.js';
import { valueText } from './fields.js';

/** Marks an absent value inside a group key (so "absent" never equals any text). */
const ABSENT = '\u0001';

/**
 * The state key of a rule's group: rule id and each key value, NUL-separated.
 * Built without allocating the group record (made only for a new group).
 */
export function groupKey(ruleId: string, getters: readonly FieldGetter[], event: object): string {
  let key = ruleId;
  for (let i = 0; i < getters.length; i++) key += `\u0000${valueText(getters[i]!(event)) ?? ABSENT}`;
  return key;
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
