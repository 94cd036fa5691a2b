import type { CompiledRule } from './compile.js';
import type { GroupState, StateBucket } from './state.js';
import type { LiveGroup } from './working-state.js';

/**
 * A group of a one-field sequence rule as the index holds it: its LiveGroup
 * once one is attached to it in its bucket (a later step's event reaches the
 * group with no look-up at all), else its key.
 */
export type HeldGroup = LiveGroup | string;

/**
 * Which first key values have a group, per sequence rule. Most events of a
 * sequence's later steps (successful logins) belong to keys that never
 * started it; looking their group up meant building and hashing a fresh key
 * string per rule and event — the larger part of evaluating a login. The raw
 * value (a string of the event, its hash cached) answers "no group" at once
 * and, for a rule keyed on one field (every default sequence), gives the
 * group itself: its LiveGroup, or its key until it has one (hashing the key
 * again to find its bucket, and scanning the bucket, cost about as much as
 * the index look-up).
 *
 * Exact, never a guess: every group a sequence rule creates or loses is
 * counted here (WorkingState.open / delete), and a LiveGroup held here is the
 * one attached to its group in its bucket (WorkingState.opening attaches a
 * new one here too). Derived data like the activity index: carried from call
 * to call with the state, rebuilt from it otherwise (the carried one is
 * dropped whenever anything else writes the buckets: closeIncidents, a new
 * state from storage).
 */
export class FirstValueIndex {
  /** Rules keyed on several fields: first value (from the group record) → how many groups have it. */
  private readonly counts = new Map<string, Map<string, number>>();
  /**
   * Rules keyed on one field, and for each its table: value → its group (the key is `${rule}\0${value}`).
   * Two parallel lists, not a Map: `tableOf` (every later-step event, most of them logins, of every
   * one-field rule) scans a few rule ids — the same string as the rule's own — against a Map look-up
   * per rule and event.
   */
  private readonly oneFieldRules: string[] = [];
  private readonly oneFieldTables: Array<Map<string, HeldGroup>> = [];

  /** `fields`: sequence rule id → the fields of its group keys, in order. */
  constructor(readonly fields: ReadonlyMap<string, readonly string[]>) {
    for (const [rule, names] of fields) {
      if (names.length !== 1) {
        this.counts.set(rule, new Map());
        continue;
      }
      this.oneFieldRules.push(rule);
      this.oneFieldTables.push(new Map());
    }
  }

  /** The index of the groups in `buckets`; a group's LiveGroup is taken when it was opened with the rule of `rules`. */
  static build(fields: ReadonlyMap<string, readonly string[]>, buckets: ReadonlyArray<StateBucket>, rules?: ReadonlyMap<string, CompiledRule>): FirstValueIndex {
    const index = new FirstValueIndex(fields);
    for (const bucket of buckets) {
      for (let at = 0; at < bucket.size; at++) {
        const group = bucket.groupAt(at);
        const live = bucket.liveAt(at);
        index.add(bucket.keyAt(at), group, live !== undefined && live.rule === rules?.get(group.rule) ? live : undefined);
      }
    }
    return index;
  }

  /** Counts a new group; `live`: its LiveGroup, when it has one. */
  add(key: string, group: GroupState, live?: LiveGroup): void {
    const fields = this.fields.get(group.rule);
    if (!fields) return;
    const value = firstValue(key, group, fields);
    if (value === undefined) return;
    if (fields.length === 1) {
      this.tableOf(group.rule)!.set(value, live ?? key);
      return;
    }
    const values = this.counts.get(group.rule)!;
    values.set(value, (values.get(value) ?? 0) + 1);
  }

  /** Holds the LiveGroup just attached to a group of a one-field rule (a group the index has). */
  attach(live: LiveGroup): void {
    const fields = this.fields.get(live.state.rule);
    if (fields?.length !== 1) return;
    const value = firstValue(live.key, live.state, fields);
    const table = this.tableOf(live.state.rule)!;
    if (value !== undefined && table.has(value)) table.set(value, live);
  }

  remove(key: string, group: GroupState): void {
    const fields = this.fields.get(group.rule);
    if (!fields) return;
    const value = firstValue(key, group, fields);
    if (value === undefined) return;
    if (fields.length === 1) {
      this.tableOf(group.rule)!.delete(value);
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

  /** The group of one-field rule `ruleId` whose value is `value` (its LiveGroup or key), if there is one. */
  groupOf(ruleId: string, value: string): HeldGroup | undefined {
    return this.tableOf(ruleId)?.get(value);
  }

  /** The table of one-field rule `ruleId` (undefined for any other rule). */
  private tableOf(ruleId: string): Map<string, HeldGroup> | undefined {
    const rules = this.oneFieldRules;
    for (let i = 0; i < rules.length; i++) if (rules[i] === ruleId) return this.oneFieldTables[i];
    return undefined;
  }

  /** Each one-field rule's values and their groups' keys (for tests: the index as a plain table). */
  keyTable(): Record<string, Record<string, string>> {
    const table: Record<string, Record<string, string>> = {};
    for (const [at, rule] of this.oneFieldRules.entries()) {
      const values = this.oneFieldTables[at]!;
      table[rule] = Object.fromEntries([...values].map(([value, held]) => [value, typeof held === 'string' ? held : held.key]));
    }
    return table;
  }

  /** Each several-field rule's first values and their counts (for tests). */
  countTable(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.counts].map(([rule, values]) => [rule, Object.fromEntries(values)]));
  }

  /** The LiveGroups held (for tests: each must be the one attached to its group). */
  heldLiveGroups(): LiveGroup[] {
    const held: LiveGroup[] = [];
    for (const values of this.oneFieldTables) for (const group of values.values()) if (typeof group !== 'string') held.push(group);
    return held;
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
