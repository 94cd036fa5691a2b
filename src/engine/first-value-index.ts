import type { GroupState, StateBucket } from './state.js';

/**
 * Which first key values have a group, per sequence rule. Most events of a
 * sequence's later steps (successful logins) belong to keys that never
 * started it; looking their group up meant building and hashing a fresh key
 * string per rule and event — the larger part of evaluating a login. The raw
 * value (a string of the event, its hash cached) answers "no group" at once
 * and, for a rule keyed on one field (every default sequence), gives the
 * group's key itself: the string held in the state, its hash cached too.
 *
 * Exact, never a guess: every group a sequence rule creates or loses is
 * counted here (WorkingState.open / delete). Derived data like the activity
 * index: carried from call to call with the state, rebuilt from it otherwise.
 */
export class FirstValueIndex {
  /** Rules keyed on several fields: first value (from the group record) → how many groups have it. */
  private readonly counts = new Map<string, Map<string, number>>();
  /** Rules keyed on one field: value → the key of its group (the key is `${rule}\0${value}`). */
  private readonly keys = new Map<string, Map<string, string>>();

  /** `fields`: sequence rule id → the fields of its group keys, in order. */
  constructor(readonly fields: ReadonlyMap<string, readonly string[]>) {
    for (const [rule, names] of fields) (names.length === 1 ? this.keys : this.counts).set(rule, new Map());
  }

  static build(fields: ReadonlyMap<string, readonly string[]>, buckets: ReadonlyArray<StateBucket>): FirstValueIndex {
    const index = new FirstValueIndex(fields);
    for (const bucket of buckets) for (const [key, group] of bucket) index.add(key, group);
    return index;
  }

  add(key: string, group: GroupState): void {
    const fields = this.fields.get(group.rule);
    if (!fields) return;
    const value = firstValue(key, group, fields);
    if (value === undefined) return;
    if (fields.length === 1) {
      this.keys.get(group.rule)!.set(value, key);
      return;
    }
    const values = this.counts.get(group.rule)!;
    values.set(value, (values.get(value) ?? 0) + 1);
  }

  remove(key: string, group: GroupState): void {
    const fields = this.fields.get(group.rule);
    if (!fields) return;
    const value = firstValue(key, group, fields);
    if (value === undefined) return;
    if (fields.length === 1) {
      this.keys.get(group.rule)!.delete(value);
      return;
    }
    const values = this.counts.get(group.rule)!;
    const count = values.get(value);
    if (count === undefined) return;
    if (count <= 1) values.delete(value);
    else values.set(value, count - 1);
  }

  /** Whether a group of rule `ruleId`, keyed on several fields, has `value` first in its key. */
  has(ruleId: string, value: string): boolean {
    return this.counts.get(ruleId)?.has(value) ?? false;
  }

  /** The key of the group of one-field rule `ruleId` whose value is `value`, if there is one. */
  keyOf(ruleId: string, value: string): string | undefined {
    return this.keys.get(ruleId)?.get(value);
  }
}

/** The value a group is indexed by: its key's value for a one-field rule, its record's first value otherwise. */
function firstValue(key: string, group: GroupState, fields: readonly string[]): string | undefined {
  return fields.length === 1 ? valueOfKey(group.rule, key, group.group[fields[0]!]) : (group.group[fields[0]!] ?? '\u0001');
}

/**
 * The value in a one-field rule's group key, read from the key itself (so the
 * table answers exactly whether the key `${rule}\0${value}` is held, whatever
 * the value contains); undefined for a key of another shape. The group
 * record's own string when it is that value (always, but in a state kept
 * across a change of the rule's key): a slice of the key, as a map key, took
 * twice as long to compare with an event's value.
 */
function valueOfKey(ruleId: string, key: string, recorded: string | null | undefined): string | undefined {
  if (key.length <= ruleId.length || key.charCodeAt(ruleId.length) !== 0 || !key.startsWith(ruleId)) return undefined;
  const isRecorded = typeof recorded === 'string' && key.length === ruleId.length + 1 + recorded.length && key.endsWith(recorded);
  return isRecorded ? recorded : key.slice(ruleId.length + 1);
}
