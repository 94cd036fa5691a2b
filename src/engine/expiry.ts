import { ActivityIndex } from './activity-index.js';
import type { CompiledRule, RuleSet } from './compile.js';
import { carryUntil } from './incident.js';
import type { GroupState, StateBucket } from './state.js';
import type { LiveGroup } from './working-state.js';

/** Numbers the epochs of every ExpiryIndex (see `ExpiryIndex.epoch`). */
let epochs = 0;

/**
 * When a group stops being needed, as of the newest event time seen (pruning
 * lags it by the reorder tolerance): once no open incident, no live carry and
 * no window or sequence entry younger than its span is left. -Infinity for a
 * group whose rule was removed or changed kind (nothing can read it).
 */
export function expiryOf(rule: CompiledRule | undefined, group: GroupState): number {
  if (!rule || rule.throttleMs === undefined) return -Infinity;
  if ((group.window && !rule.threshold) || (group.steps && !rule.sequence)) return -Infinity;
  let until = -Infinity;
  const entries = group.window ?? group.steps;
  if (entries && entries.length > 0) until = entries[entries.length - 1]![0] + (rule.threshold?.windowMs ?? rule.sequence?.withinMs ?? 0);
  const incident = group.incident;
  if (incident) {
    const end = incident.lastMatch + rule.throttleMs;
    until = Math.max(until, end);
    // A closing incident with repeats leaves a carry for the group's next alert.
    if (incident.repeats > 0) until = Math.max(until, carryUntil(end, rule.throttleMs));
  }
  if (group.carry) until = Math.max(until, group.carry.until);
  return until;
}

/**
 * Every group's expiry in a min-heap, so that pruning visits only the groups
 * that may be done instead of scanning them all (with sequences remembering
 * every failing user, the scan cost a tenth of the evaluation). Each group has
 * one valid entry (`valid`), never later than its true expiry: a later expiry
 * (most events extend a group) is not pushed; the entry is checked against
 * the group when it comes due and pushed again then. Derived data, carried
 * with the state like the activity index and rebuilt from it otherwise —
 * pruning decides on the group's current state alone, so it deletes the same
 * groups either way.
 */
export class ExpiryIndex {
  private readonly heap = new ActivityIndex();
  private readonly valid = new Map<string, number>();
  /**
   * Differs between indexes: a LiveGroup's copy of its recorded expiry is good
   * while it was made in this index's epoch (see `settle`). A recorded expiry
   * changes otherwise only when it comes due (`nextDue`): pruning then deletes
   * the group (its LiveGroup goes with it) or records it again by `reset`,
   * which updates the copy too — bumping the epoch there instead sent every
   * group settled after a prune (every five minutes of event time) to the Map.
   */
  private readonly epoch = ++epochs;

  constructor(readonly ruleSet: RuleSet) {}

  static build(ruleSet: RuleSet, buckets: ReadonlyArray<StateBucket>): ExpiryIndex {
    const index = new ExpiryIndex(ruleSet);
    // By position, not the bucket's iterator: it copies a bucket's keys and groups first (two arrays per bucket, empty ones too).
    buckets.forEach((bucket, at) => {
      for (let i = 0; i < bucket.size; i++) {
        const group = bucket.groupAt(i);
        index.set(bucket.keyAt(i), expiryOf(ruleSet.byId.get(group.rule), group), at);
      }
    });
    return index;
  }

  /**
   * Records a group's expiry (`bucket`: its key's bucketOf); only an earlier one than recorded needs an entry (see above).
   * Returns the expiry now recorded.
   */
  set(key: string, expiry: number, bucket: number): number {
    const recorded = this.valid.get(key);
    if (recorded !== undefined && recorded <= expiry) return recorded;
    this.valid.set(key, expiry);
    this.heap.push(expiry, key, bucket);
    return expiry;
  }

  /**
   * `set` for a group opened by an event. Most events extend their groups, so
   * the expiry recorded is usually no later than the new one and nothing
   * changes: the LiveGroup keeps a copy of what is recorded for it, and while
   * that copy is of this epoch the index's Map is not looked at.
   */
  settle(live: LiveGroup, expiry: number): void {
    if (live.expiryEpoch === this.epoch && live.expiryRecorded <= expiry) return;
    live.expiryRecorded = this.set(live.key, expiry, live.bucket);
    live.expiryEpoch = this.epoch;
  }

  /** Records the expiry found when a due entry was checked (it may be later); `live`: the group's LiveGroup, if it has one. */
  reset(key: string, expiry: number, bucket: number, live: LiveGroup | undefined): void {
    this.valid.set(key, expiry);
    this.heap.push(expiry, key, bucket);
    if (!live) return;
    live.expiryRecorded = expiry;
    live.expiryEpoch = this.epoch;
  }

  /** Forgets a deleted group (its LiveGroup goes with it: no copy of its expiry is read again). */
  drop(key: string): void {
    this.valid.delete(key);
  }

  /** The bucket of the key `nextDue` returned last. */
  get dueBucket(): number {
    return this.heap.poppedBucket;
  }

  /** The next group whose recorded expiry is at or before `now`, removed from the index; undefined when none. */
  nextDue(now: number): string | undefined {
    const heap = this.heap;
    while (heap.length > 0 && heap.oldestTime <= now) {
      const key = heap.popKey()!;
      if (this.valid.get(key) !== heap.poppedTime) continue; // stale
      // The group's LiveGroup (if any) keeps a copy of what was recorded until pruning deletes or resets it.
      this.valid.delete(key);
      return key;
    }
    return undefined;
  }

  /** Entries in the heap (stale ones included): a carried index with too many is rebuilt instead. */
  get length(): number {
    return this.heap.length;
  }
}
