import type { GroupState, StateBucket } from './state.js';

/**
 * Which first key values have a group, per sequence rule. Most events of a
 * sequence's later steps (successful logins) belong to keys that never
 * started it; looking their group up meant building and hashing a fresh key
 * string per rule and event — the larger part of evaluating a login. The raw
 * value (a string of the event, its hash cached) answers "no group" at once.
 *
 * Exact, never a guess: every group a sequence rule creates or loses is
 * counted here (WorkingState.open / delete). Derived data like the activity
 * index: carried from call to call with the state, rebuilt from it otherwise.
 */
export class FirstValueIndex {
  private readonly counts = new Map<string, Map<string, number>>();

  /** `fields`: sequence rule id → the field whose value comes first in its group keys. */
  constructor(readonly fields: ReadonlyMap<string, string>) {}

  static build(fields: ReadonlyMap<string, string>, buckets: ReadonlyArray<StateBucket>): FirstValueIndex {
    const index = new FirstValueIndex(fields);
    for (const bucket of buckets) for (const group of bucket.values()) index.add(group);
    return index;
  }

  private valueOf(group: GroupState): string | undefined {
    const field = this.fields.get(group.rule);
    return field === undefined ? undefined : (group.group[field] ?? '\u0001');
  }

  add(group: GroupState): void {
    const value = this.valueOf(group);
    if (value === undefined) return;
    let values = this.counts.get(group.rule);
    if (!values) this.counts.set(group.rule, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + 1);
  }

  remove(group: GroupState): void {
    const value = this.valueOf(group);
    if (value === undefined) return;
    const values = this.counts.get(group.rule);
    const count = values?.get(value);
    if (count === undefined) return;
    if (count <= 1) values!.delete(value);
    else values!.set(value, count - 1);
  }

  has(ruleId: string, value: string): boolean {
    return this.counts.get(ruleId)?.has(value) ?? false;
  }
}
