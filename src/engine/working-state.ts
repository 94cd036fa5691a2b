import type { CompiledRule, RuleSet } from './compile.js';
import { ExpiryIndex, expiryOf } from './expiry.js';
import { ActivityIndex, activityOf, keepIndexes, takeIndexes } from './activity-index.js';
import { FirstValueIndex } from './first-value-index.js';
import { StateBucket, asBucket, bucketOf, type EngineState, type GroupState, type StoredBucket } from './state.js';
import { indexWindow } from './window.js';

/** A group being worked on in this call: a private copy of its stored state plus indexes. */
export interface LiveGroup {
  /** The private copy; it is also what the copied bucket holds. */
  state: GroupState;
  /** Entries of `window` (or `steps`) before this index are expired (dropped when written back). */
  head: number;
  /** Threshold windows: index of the first entry of the current window (see window.ts). */
  from: number;
  /** Distinct windows: entries per value over the current window … */
  current?: Map<string, number>;
  /** … and over every held entry (made when a full window has to fold, see window.ts). */
  values?: Map<string, number>;
  /**
   * Whether `state.window` (or `state.steps`) is this call's own array. The
   * stored one is shared with the input state until the first write, which
   * copies the held entries (see appendEntry): most groups take one event per
   * page, so copying on open and then growing the copy cost two allocations.
   */
  own: boolean;
  /** The activity last pushed to the activity index for this group. */
  indexed?: number;
  readonly key: string;
  readonly rule: CompiledRule;
  /** The event (WorkingState.beginEvent) that last opened it: settle() looks at each once per event. */
  stamp: number;
}

type EntryField = 'window' | 'steps';
type HeldEntries = Partial<Record<EntryField, unknown[]>>;

/**
 * Makes the group's `window` (or `steps`) this call's own array, without the
 * entries before `head` (expired); returns by how much indexes moved down.
 */
export function ownEntries(live: LiveGroup, field: EntryField): number {
  if (live.own) return 0;
  const state = live.state as HeldEntries;
  const shift = live.head;
  state[field] = (state[field] ?? []).slice(shift);
  live.head = 0;
  live.from = Math.max(0, live.from - shift);
  live.own = true;
  return shift;
}

/**
 * Appends an entry to the group's `window` (or `steps`); returns its index.
 * The first write in a call makes an exact-size copy of the held entries plus
 * this one (the stored array belongs to the input state).
 */
export function appendEntry(live: LiveGroup, field: EntryField, entry: unknown): number {
  const state = live.state as HeldEntries;
  const list = state[field];
  if (live.own && list) return list.push(entry) - 1;
  const head = live.head;
  const held = list ? list.length - head : 0;
  const copy = new Array<unknown>(held + 1);
  for (let i = 0; i < held; i++) copy[i] = list![head + i];
  copy[held] = entry;
  state[field] = copy;
  live.head = 0;
  live.from = Math.max(0, live.from - head);
  live.own = true;
  return held;
}

/**
 * The state as one call sees it: the input state's buckets, copied on first
 * write, so the input is never mutated and untouched buckets are shared with
 * the output. A group is copied (opened) on first touch in the call.
 */
export class WorkingState {
  clock: number;
  nextPruneAt: number;
  size: number;
  private readonly buckets: StoredBucket[];
  /** The input state's buckets: a slot still holding the same object is not this call's to write. */
  private readonly baseBuckets: readonly StoredBucket[];
  private readonly live = new Map<string, LiveGroup>();
  /** Groups by last activity, kept once eviction has been needed (see evict.ts). */
  activity: ActivityIndex | undefined;
  /** Sequence groups by their first key value, built when first asked (see first-value-index.ts). */
  private firstValues: FirstValueIndex | undefined;
  /** Groups by expiry, built at the first prune (see expiry.ts). */
  private expiry: ExpiryIndex | undefined;
  /** Groups opened while evaluating the current event. */
  private readonly opened: LiveGroup[] = [];
  private stamp = 0;

  constructor(
    base: EngineState,
    private readonly ruleSet: RuleSet,
  ) {
    const sequenceFields = ruleSet.sequenceFirstFields;
    this.clock = base.clock;
    this.nextPruneAt = base.nextPruneAt;
    this.size = base.size;
    this.baseBuckets = base.buckets;
    this.buckets = base.buckets.slice();
    const carried = takeIndexes(base);
    this.activity = carried.activity;
    if (carried.firstValues?.fields === sequenceFields) this.firstValues = carried.firstValues;
    if (carried.expiry?.ruleSet === ruleSet) this.expiry = carried.expiry;
  }

  /** Starts an event: groups opened from here on are settled after it (settle). */
  beginEvent(): void {
    this.stamp += 1;
  }

  /** After an event: the indexes learn how the groups it changed stand (expiry, activity). */
  settle(): void {
    for (const live of this.opened) {
      if (!this.live.has(live.key)) continue; // deleted meanwhile
      this.expiry?.set(live.key, expiryOf(live.rule, live.state));
      if (this.activity) {
        const activity = activityOf(live.state);
        if (activity !== live.indexed) {
          live.indexed = activity;
          this.activity.push(activity, live.key);
        }
      }
    }
    this.opened.length = 0;
  }

  /** Removes and returns the next group key whose recorded expiry is at or before `now` (pruning). */
  nextDue(now: number): string | undefined {
    this.expiry ??= ExpiryIndex.build(this.ruleSet, this.groupBuckets());
    return this.expiry.nextDue(now);
  }

  /** Records the expiry found for a group pruning checked and kept. */
  keepUntil(key: string, expiry: number): void {
    this.expiry?.reset(key, expiry);
  }

  /** Whether a group of sequence rule `ruleId` has `value` first in its key (exact: false means none). */
  hasFirstValue(ruleId: string, value: string): boolean {
    this.firstValues ??= FirstValueIndex.build(this.ruleSet.sequenceFirstFields, this.groupBuckets());
    return this.firstValues.has(ruleId, value);
  }

  private writable(index: number): StateBucket {
    const bucket = this.buckets[index]!;
    // A bucket copied or converted in this call is a new object; the input's are never written.
    if (bucket !== this.baseBuckets[index]) return bucket as StateBucket;
    const copy = StateBucket.copyOf(asBucket(bucket));
    this.buckets[index] = copy;
    return copy;
  }

  /** A bucket for reading (a stored JSON bucket is converted once per call). */
  private readable(index: number): StateBucket {
    const bucket = this.buckets[index]!;
    if (bucket instanceof StateBucket) return bucket;
    const converted = asBucket(bucket);
    this.buckets[index] = converted;
    return converted;
  }

  /** The group's current state (live copy or stored), without copying or creating it. */
  peek(key: string): GroupState | undefined {
    return this.live.get(key)?.state ?? this.readable(bucketOf(key)).get(key);
  }

  /**
   * The group's live copy, opened on first touch — or created, its record made
   * by `makeGroup(names, source)` (a plain function and its arguments rather
   * than a closure: this runs for most matching events).
   */
  open<N, S>(key: string, rule: CompiledRule, makeGroup: (names: N, source: S) => Record<string, string | null>, names: N, source: S): LiveGroup {
    const existing = this.live.get(key);
    if (existing) {
      if (existing.stamp !== this.stamp) {
        existing.stamp = this.stamp;
        this.opened.push(existing);
      }
      return existing;
    }
    const index = bucketOf(key);
    const stored = this.readable(index).get(key);
    // Explicit copies: object spread measured slow on this hot path.
    const copy: GroupState = stored ? { rule: stored.rule, group: stored.group } : { rule: rule.id, group: makeGroup(names, source) };
    // window and steps stay the stored arrays until written (appendEntry, ownEntries).
    if (stored?.window) copy.window = stored.window;
    if (stored?.steps) copy.steps = stored.steps;
    if (stored?.incident) {
      const { id, lastMatch, count, repeats } = stored.incident;
      copy.incident = { id, lastMatch, count, repeats };
    }
    if (stored?.carry) copy.carry = stored.carry; // replaced, never mutated
    // Every field set here, optional ones too: one object shape for all live groups.
    const live: LiveGroup = { state: copy, head: 0, from: 0, current: undefined, values: undefined, own: false, indexed: undefined, key, rule, stamp: this.stamp };
    this.opened.push(live);
    if (rule.threshold) indexWindow(live, rule.threshold.windowMs);
    if (!stored) {
      this.size += 1;
      this.firstValues?.add(copy);
    }
    this.writable(index).set(key, copy);
    this.live.set(key, live);
    return live;
  }

  /** The buckets as they stand in this call (to build the activity index). */
  groupBuckets(): ReadonlyArray<StateBucket> {
    return this.buckets.map((_, index) => this.readable(index));
  }

  /** The live copy if the group was touched in this call. */
  touched(key: string): LiveGroup | undefined {
    return this.live.get(key);
  }

  delete(key: string): void {
    const index = bucketOf(key);
    const group = this.live.get(key)?.state ?? this.readable(index).get(key);
    if (!group) return;
    this.firstValues?.remove(group);
    this.expiry?.drop(key);
    this.writable(index).delete(key);
    this.live.delete(key);
    this.size -= 1;
  }

  /** Every group, live copy or stored; safe to delete or open groups from `visit`. */
  forEachGroup(visit: (key: string, stored: GroupState, live: LiveGroup | undefined) => void): void {
    for (let index = 0; index < this.buckets.length; index++) {
      const bucket = this.readable(index);
      // Safe while `visit` deletes or opens groups: a bucket not yet copied in this call is
      // copied before any write, and in a copied one only the visited key is deleted or replaced.
      for (const [key, group] of bucket) visit(key, group, this.live.get(key));
    }
  }

  finish(): EngineState {
    for (const live of this.live.values()) {
      const state = live.state;
      if (state.window) {
        if (state.window.length > live.head) state.window = live.head > 0 ? state.window.slice(live.head) : state.window;
        else delete state.window;
      }
      if (state.steps) {
        if (state.steps.length > live.head) state.steps = live.head > 0 ? state.steps.slice(live.head) : state.steps;
        else delete state.steps;
      }
    }
    const state: EngineState = { version: 2, clock: this.clock, nextPruneAt: this.nextPruneAt, size: this.size, buckets: this.buckets };
    keepIndexes(state, { activity: this.activity, firstValues: this.firstValues, expiry: this.expiry });
    return state;
  }
}
