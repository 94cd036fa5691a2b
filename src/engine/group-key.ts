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

/** The group record shown in alerts: field name → value. */
export function groupRecord(names: readonly string[], values: ReadonlyArray<string | null>): Record<string, string | null> {
  const group: Record<string, string | null> = {};
  for (let i = 0; i < names.length; i++) group[names[i]!] = values[i] ?? null;
  return group;
}
