import type { CompiledRule, RuleSet } from './compile.js';
import { ExpiryIndex, expiryOf } from './expiry.js';
import { ActivityIndex, activityOf, keepIndexes, takeIndexes } from './activity-index.js';
import { FirstValueIndex } from './first-value-index.js';
import { StateBucket, asBucket, bucketOf, changedBuckets, type EngineState, type GroupState, type StoredBucket } from './state.js';
import { indexWindow } from './window.js';

/**
 * A group as evaluate() works on it: its state (written in place), where it
 * is stored, and the indexes a call keeps into it. Kept from call to call
 * with the state (see `GroupIndex`), so a group touched on every page is not
 * looked up in its bucket and given a new LiveGroup each time; the per-call
 * fields are reset when a call first opens it (`call`).
 */
export interface LiveGroup {
  /** The group's state, in its bucket: written in place. */
  state: GroupState;
  /** Its bucket (bucketOf(key)): noted as changed when a call opens the group. */
  readonly bucket: number;
  /** The call (WorkingState) that last opened it: the fields below belong to that call. */
  call: number;
  /** Entries of `window` (or `steps`) before this index are expired (dropped at the end of the call). */
  head: number;
  /** Threshold windows: index of the first entry of the current window (see window.ts). */
  from: number;
  /** Distinct windows: entries per value over the current window … */
  current?: Map<string, number>;
  /** … and over every held entry (made when a full window has to fold, see window.ts). */
  values?: Map<string, number>;
  /** The activity last pushed to `indexedIn` for this group. */
  indexed?: number;
  indexedIn?: ActivityIndex;
  readonly key: string;
  readonly rule: CompiledRule;
  /** The event (WorkingState.beginEvent) that last opened it: settle() looks at each once per event. */
  stamp: number;
}

/** Every group opened since the state was restored, by key: derived data, carried with the state (activity-index.ts). */
export interface GroupIndex {
  readonly ruleSet: RuleSet;
  readonly groups: Map<string, LiveGroup>;
}

/** Numbers the calls, so a carried LiveGroup knows whether its per-call fields are this call's. */
let calls = 0;

type EntryField = 'window' | 'steps';
type HeldEntries = Partial<Record<EntryField, unknown[]>>;

/** Appends an entry to the group's `window` (or `steps`); returns its index. */
export function appendEntry(live: LiveGroup, field: EntryField, entry: unknown): number {
  const state = live.state as HeldEntries;
  const list = state[field];
  if (list) return list.push(entry) - 1;
  state[field] = [entry];
  return 0;
}

/**
 * The state as one call works on it: the caller's state, written in place.
 * A group is opened (given its LiveGroup) on first touch in the call; each
 * bucket written is noted for the serialiser (see `takeChangedBuckets`).
 */
export class WorkingState {
  clock: number;
  nextPruneAt: number;
  size: number;
  private readonly buckets: StoredBucket[];
  /** Buckets written (noted for the serialiser). */
  private readonly changed: Set<number>;
  /** The groups opened so far (this call's and carried ones): a group found here is not looked up in its bucket. */
  private readonly live: Map<string, LiveGroup>;
  /** Groups opened in this call (finish() trims them). */
  private readonly touchedNow: LiveGroup[] = [];
  private readonly call = ++calls;
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
    private readonly base: EngineState,
    private readonly ruleSet: RuleSet,
  ) {
    const sequenceFields = ruleSet.sequenceKeyFields;
    this.clock = base.clock;
    this.nextPruneAt = base.nextPruneAt;
    this.size = base.size;
    this.buckets = base.buckets;
    this.changed = changedBuckets(base);
    const carried = takeIndexes(base);
    this.activity = carried.activity;
    if (carried.firstValues?.fields === sequenceFields) this.firstValues = carried.firstValues;
    if (carried.expiry?.ruleSet === ruleSet) this.expiry = carried.expiry;
    this.live = carried.groups?.ruleSet === ruleSet ? carried.groups.groups : new Map();
  }

  /** Starts an event: groups opened from here on are settled after it (settle). */
  beginEvent(): void {
    this.stamp += 1;
  }

  /** After an event: the indexes learn how the groups it changed stand (expiry, activity). */
  settle(): void {
    for (const live of this.opened) {
      if (this.live.get(live.key) !== live) continue; // deleted meanwhile
      this.expiry?.set(live.key, expiryOf(live.rule, live.state));
      if (this.activity) {
        const activity = activityOf(live.state);
        if (activity !== live.indexed || live.indexedIn !== this.activity) {
          live.indexed = activity;
          live.indexedIn = this.activity;
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

  /** Groups of sequence rules by their first key value (see first-value-index.ts). */
  sequenceGroups(): FirstValueIndex {
    return (this.firstValues ??= FirstValueIndex.build(this.ruleSet.sequenceKeyFields, this.groupBuckets()));
  }

  private writable(index: number): StateBucket {
    this.changed.add(index);
    return this.readable(index);
  }

  /** A bucket (a stored JSON bucket is converted in place, once). */
  private readable(index: number): StateBucket {
    const bucket = this.buckets[index]!;
    if (bucket instanceof StateBucket) return bucket;
    const converted = asBucket(bucket);
    this.buckets[index] = converted;
    return converted;
  }

  /** The group's state, for reading only (writes go through `open`), without creating it. */
  peek(key: string): GroupState | undefined {
    return this.live.get(key)?.state ?? this.readable(bucketOf(key)).get(key);
  }

  /**
   * The group opened for writing on first touch in the call — or created, its record made
   * by `makeGroup(names, source)` (a plain function and its arguments rather
   * than a closure: this runs for most matching events).
   */
  open<N, S>(key: string, rule: CompiledRule, makeGroup: (names: N, source: S) => Record<string, string | null>, names: N, source: S): LiveGroup {
    const known = this.live.get(key);
    if (known) return this.reopened(known);
    const index = bucketOf(key);
    const bucket = this.writable(index);
    let state = bucket.get(key);
    if (!state) {
      state = { rule: rule.id, group: makeGroup(names, source) };
      bucket.set(key, state);
      this.size += 1;
      this.firstValues?.add(key, state);
    }
    return this.opening(key, rule, state, index);
  }

  /** The group opened for writing if it exists (never created): `peek` then `open` in one look-up. */
  openExisting(key: string, rule: CompiledRule): LiveGroup | undefined {
    const known = this.live.get(key);
    if (known) return this.reopened(known);
    const index = bucketOf(key);
    const state = this.readable(index).get(key);
    if (!state) return undefined;
    this.changed.add(index);
    return this.opening(key, rule, state, index);
  }

  /** A known group opened again: in this call (settled once per event), or first in this call (its per-call fields reset). */
  private reopened(live: LiveGroup): LiveGroup {
    if (live.call !== this.call) {
      live.call = this.call;
      live.head = 0;
      live.from = 0;
      live.current = undefined;
      live.values = undefined;
      live.stamp = this.stamp;
      this.changed.add(live.bucket);
      this.touchedNow.push(live);
      this.opened.push(live);
      if (live.rule.threshold) indexWindow(live, live.rule.threshold.windowMs);
      return live;
    }
    if (live.stamp !== this.stamp) {
      live.stamp = this.stamp;
      this.opened.push(live);
    }
    return live;
  }

  private opening(key: string, rule: CompiledRule, state: GroupState, bucket: number): LiveGroup {
    // Every field set here, optional ones too: one object shape for all live groups.
    const live: LiveGroup = {
      state,
      bucket,
      call: this.call,
      head: 0,
      from: 0,
      current: undefined,
      values: undefined,
      indexed: undefined,
      indexedIn: undefined,
      key,
      rule,
      stamp: this.stamp,
    };
    this.opened.push(live);
    this.touchedNow.push(live);
    if (rule.threshold) indexWindow(live, rule.threshold.windowMs);
    this.live.set(key, live);
    return live;
  }

  /** The buckets as they stand in this call (to build the activity index). */
  groupBuckets(): ReadonlyArray<StateBucket> {
    return this.buckets.map((_, index) => this.readable(index));
  }

  delete(key: string): void {
    const live = this.live.get(key);
    const index = live ? live.bucket : bucketOf(key);
    const bucket = this.readable(index);
    const group = live?.state ?? bucket.get(key);
    if (!group) return;
    this.firstValues?.remove(key, group);
    this.expiry?.drop(key);
    this.changed.add(index);
    bucket.delete(key);
    if (live) this.live.delete(key);
    this.size -= 1;
  }

  /** Ends the call: drops the entries expired meanwhile and hands the state (the caller's, written) back with its indexes. */
  finish(): EngineState {
    for (const live of this.touchedNow) {
      const state = live.state;
      // Trimmed in place (no copy: most groups drop an entry or two per call).
      if (state.window) {
        if (state.window.length <= live.head) delete state.window;
        else if (live.head > 0) state.window.splice(0, live.head);
      }
      if (state.steps) {
        if (state.steps.length <= live.head) delete state.steps;
        else if (live.head > 0) state.steps.splice(0, live.head);
      }
      // What a call knew about the group is not kept past it (a distinct window's counts could be large).
      live.head = 0;
      live.current = undefined;
      live.values = undefined;
    }
    const state = this.base;
    state.clock = this.clock;
    state.nextPruneAt = this.nextPruneAt;
    state.size = this.size;
    keepIndexes(state, { activity: this.activity, firstValues: this.firstValues, expiry: this.expiry, groups: { ruleSet: this.ruleSet, groups: this.live } });
    return state;
  }
}
