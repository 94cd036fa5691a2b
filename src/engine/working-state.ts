import type { CompiledRule, RuleSet } from './compile.js';
import { ExpiryIndex, expiryOf } from './expiry.js';
import { ActivityIndex, activityOf, keepIndexes, takeIndexes } from './activity-index.js';
import { FirstValueIndex } from './first-value-index.js';
import { type ChangedBuckets, StateBucket, asBucket, bucketOf, changedBuckets, groupState, type EngineState, type GroupState, type StoredBucket } from './state.js';
import { indexWindow } from './window.js';

/**
 * A group as evaluate() works on it: its state (written in place), where it
 * is stored, and the indexes a call keeps into it. Kept beside the group in
 * its bucket (StateBucket.attach) from call to call, so a group touched on
 * every page is not given a new LiveGroup each time; the per-call fields are
 * reset when a call first opens it (`call`).
 */
export interface LiveGroup {
  /** The group's state, in its bucket: written in place. */
  state: GroupState;
  /** Its bucket's index (bucketOf(key)): noted as changed when a call opens the group. */
  readonly bucket: number;
  /** The call (WorkingState) that last opened it: the fields below belong to that call. */
  call: number;
  /** Entries of `window` (or `steps`) before this index are expired (dropped at the end of the call). */
  head: number;
  /** Threshold windows: index of the first entry of the current window (see window.ts). */
  from: number;
  /** Distinct windows: entries per value over the current window … */
  current?: Map<string, number>;
  /** … and over every held entry (made when a full window has to fold, see window.ts) … */
  values?: Map<string, number>;
  /** … and the log ids its folded entries hold (meaningful only while `values` is set). */
  folded: number;
  /** The activity last pushed to `indexedIn` for this group. */
  indexed?: number;
  indexedIn?: ActivityIndex;
  readonly key: string;
  /** The rule as compiled when it was opened: a call with other rules (reloaded) opens the group afresh. */
  readonly rule: CompiledRule;
  /** The event (WorkingState.beginEvent) that last opened it: settle() looks at each once per event. */
  stamp: number;
  /**
   * Sequences: how many of `steps` from `head` on are first-step events, -1 until counted. Unlike
   * the fields above it outlives the call (finish() drops only entries before `head`); kinds/sequence.ts keeps it.
   */
  firstSteps: number;
  /** The expiry the expiry index records for the group, as of its epoch `expiryEpoch` (0: none); see ExpiryIndex.settle. */
  expiryRecorded: number;
  expiryEpoch: number;
}

/** Numbers the calls, so a carried LiveGroup knows whether its per-call fields are this call's. */
let calls = 0;

/**
 * Drops a list's first `count` entries in place. splice() made a new backing
 * store (and an array of the dropped entries) each time, so the next push had
 * to grow it again: two allocations per group per call.
 */
function dropFirst(list: unknown[], count: number): void {
  const kept = list.length - count;
  for (let i = 0; i < kept; i++) list[i] = list[i + count];
  list.length = kept;
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
  private readonly changed: ChangedBuckets;
  /** Groups opened in this call (finish() trims them). */
  private readonly touchedNow: LiveGroup[] = [];
  private readonly call = ++calls;
  /** Groups by last activity, kept once eviction has been needed (see evict.ts). */
  activity: ActivityIndex | undefined;
  /** Sequence groups by their first key value, built when first asked (see first-value-index.ts). */
  private firstValues: FirstValueIndex | undefined;
  /** Groups by expiry, built at the first prune (see expiry.ts). */
  private expiry: ExpiryIndex | undefined;
  /**
   * Groups opened while evaluating the current event: the first `openedCount`
   * of `opened`. A count, not `length = 0` after each event: that let go of the
   * array's storage, and the next event's first push allocated it again.
   */
  private readonly opened: LiveGroup[] = [];
  private openedCount = 0;
  private stamp = 0;
  /** Where `peek` last found a group: `delete` checks it first. */
  private peeked: string | undefined;
  private peekedBucket = 0;
  private peekedAt = 0;

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
  }

  /** Starts an event: groups opened from here on are settled after it (settle). */
  beginEvent(): void {
    this.stamp += 1;
  }

  /** After an event: the indexes learn how the groups it changed stand (expiry, activity). */
  settle(): void {
    // Groups are deleted only between events (prune, evict): every group opened is still there.
    for (let i = 0; i < this.openedCount; i++) {
      const live = this.opened[i]!;
      this.expiry?.settle(live, expiryOf(live.rule, live.state));
      if (this.activity) {
        const activity = activityOf(live.state);
        if (activity !== live.indexed || live.indexedIn !== this.activity) {
          live.indexed = activity;
          live.indexedIn = this.activity;
          this.activity.push(activity, live.key, live.bucket);
        }
      }
    }
    this.openedCount = 0;
  }

  /** Removes and returns the next group key whose recorded expiry is at or before `now` (pruning); its bucket is `dueBucket`. */
  nextDue(now: number): string | undefined {
    this.expiry ??= ExpiryIndex.build(this.ruleSet, this.groupBuckets());
    return this.expiry.nextDue(now);
  }

  /** The bucket of the key `nextDue` returned last. */
  get dueBucket(): number {
    return this.expiry?.dueBucket ?? 0;
  }

  /** Records the expiry found for a group pruning checked (`peek`) and kept (`bucket`: its key's). */
  keepUntil(key: string, expiry: number, bucket: number): void {
    if (!this.expiry) return;
    // Its LiveGroup's copy of the recorded expiry is updated with it (see ExpiryIndex.epoch).
    const held = this.readable(bucket);
    const at = key === this.peeked && bucket === this.peekedBucket ? this.peekedAt : held.find(key);
    this.expiry.reset(key, expiry, bucket, at < 0 ? undefined : held.liveAt(at));
  }

  /** Groups of sequence rules by their first key value (see first-value-index.ts). */
  sequenceGroups(): FirstValueIndex {
    return (this.firstValues ??= FirstValueIndex.build(this.ruleSet.sequenceKeyFields, this.groupBuckets(), this.ruleSet.byId));
  }

  /** A bucket (a stored JSON bucket is converted in place, once). */
  private readable(index: number): StateBucket {
    const bucket = this.buckets[index]!;
    if (bucket instanceof StateBucket) return bucket;
    const converted = asBucket(bucket);
    this.buckets[index] = converted;
    return converted;
  }

  /** The group's state, for reading only (writes go through `open`), without creating it; `index` is the key's bucket when known. */
  peek(key: string, index: number = bucketOf(key)): GroupState | undefined {
    const bucket = this.readable(index);
    const at = bucket.find(key);
    if (at < 0) return undefined;
    this.peeked = key;
    this.peekedBucket = index;
    this.peekedAt = at;
    return bucket.groupAt(at);
  }

  /**
   * The group opened for writing on first touch in the call — or created, its record made
   * by `makeGroup(names, source)` (a plain function and its arguments rather
   * than a closure: this runs for most matching events). `index`: the key's bucket when known.
   */
  open<N, S>(
    key: string,
    rule: CompiledRule,
    makeGroup: (names: N, source: S) => Record<string, string | null>,
    names: N,
    source: S,
    index: number = bucketOf(key),
  ): LiveGroup {
    const bucket = this.readable(index);
    const at = bucket.find(key);
    if (at >= 0) return this.openAt(bucket, at, key, rule, index);
    const state = groupState(rule.id, makeGroup(names, source));
    this.size += 1;
    const live = this.opening(bucket, bucket.add(key, state), key, rule, index);
    // Only a sequence rule's groups are indexed by their first value: the others skip its look-up of the rule.
    if (rule.sequence) this.firstValues?.add(key, state, live);
    return live;
  }

  /** A group the sequence index held by its LiveGroup (see first-value-index.ts), opened for writing without a look-up. */
  openHeld(live: LiveGroup): LiveGroup {
    return this.reopened(live);
  }

  /** The group opened for writing if it exists (never created): `peek` then `open` in one look-up. */
  openExisting(key: string, rule: CompiledRule): LiveGroup | undefined {
    const index = bucketOf(key);
    const bucket = this.readable(index);
    const at = bucket.find(key);
    return at < 0 ? undefined : this.openAt(bucket, at, key, rule, index);
  }

  private openAt(bucket: StateBucket, at: number, key: string, rule: CompiledRule, index: number): LiveGroup {
    const known = bucket.liveAt(at);
    if (known?.rule === rule) return this.reopened(known);
    const live = this.opening(bucket, at, key, rule, index);
    // The sequence index holds a group's LiveGroup once it has one (a group created here is added with it).
    if (rule.sequence) this.firstValues?.attach(live);
    return live;
  }

  /** A known group opened again: in this call (settled once per event), or first in this call (its per-call fields reset). */
  private reopened(live: LiveGroup): LiveGroup {
    if (live.call !== this.call) {
      live.call = this.call;
      // finish() left head at 0 with the entries before it dropped; a call that ended without it did not.
      if (live.head !== 0) live.firstSteps = -1;
      live.head = 0;
      live.from = 0;
      live.current = undefined;
      live.values = undefined;
      live.stamp = this.stamp;
      this.changed.add(live.bucket);
      this.touchedNow.push(live);
      this.opened[this.openedCount++] = live;
      if (live.rule.threshold) indexWindow(live, live.rule.threshold.windowMs);
      return live;
    }
    if (live.stamp !== this.stamp) {
      live.stamp = this.stamp;
      this.opened[this.openedCount++] = live;
    }
    return live;
  }

  private opening(bucket: StateBucket, at: number, key: string, rule: CompiledRule, index: number): LiveGroup {
    this.changed.add(index);
    // Every field set here, optional ones too: one object shape for all live groups.
    const live: LiveGroup = {
      state: bucket.groupAt(at),
      bucket: index,
      call: this.call,
      head: 0,
      from: 0,
      current: undefined,
      values: undefined,
      folded: 0,
      indexed: undefined,
      indexedIn: undefined,
      key,
      rule,
      stamp: this.stamp,
      firstSteps: -1,
      expiryRecorded: 0,
      expiryEpoch: 0,
    };
    this.opened[this.openedCount++] = live;
    this.touchedNow.push(live);
    if (rule.threshold) indexWindow(live, rule.threshold.windowMs);
    bucket.attach(at, live);
    return live;
  }

  /** The buckets as they stand in this call (to build the activity index). */
  groupBuckets(): ReadonlyArray<StateBucket> {
    return this.buckets.map((_, index) => this.readable(index));
  }

  /** Deletes a group; right after `peek` of the same key (eviction, pruning) without a second look-up. */
  delete(key: string): void {
    // Only a deletion moves groups within a bucket, and each forgets the last peek.
    const again = key === this.peeked;
    this.peeked = undefined;
    const index = again ? this.peekedBucket : bucketOf(key);
    const bucket = this.readable(index);
    const at = again ? this.peekedAt : bucket.find(key);
    if (at < 0) return;
    this.firstValues?.remove(key, bucket.groupAt(at));
    this.expiry?.drop(key);
    this.changed.add(index);
    bucket.removeAt(at);
    this.size -= 1;
  }

  /** Ends the call: drops the entries expired meanwhile and hands the state (the caller's, written) back with its indexes. */
  finish(): EngineState {
    for (const live of this.touchedNow) {
      const state = live.state;
      // Trimmed in place (no copy: most groups drop an entry or two per call).
      if (state.window) {
        if (state.window.length <= live.head) state.window = undefined;
        else if (live.head > 0) dropFirst(state.window, live.head);
      }
      if (state.steps) {
        if (state.steps.length <= live.head) state.steps = undefined;
        else if (live.head > 0) dropFirst(state.steps, live.head);
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
    keepIndexes(state, { activity: this.activity, firstValues: this.firstValues, expiry: this.expiry });
    return state;
  }
}
