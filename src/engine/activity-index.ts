import type { ExpiryIndex } from './expiry.js';
import type { FirstValueIndex } from './first-value-index.js';
import { bucketOf, type EngineState, type GroupState, type StateBucket } from './state.js';

/**
 * Groups ordered by last activity (then key), for eviction: a priority queue
 * of (activity, key) pairs with lazy deletion. A group is pushed again whenever
 * its activity moves forward; an entry whose group is gone or has moved on is
 * stale and skipped when popped. Scanning and sorting every group on each
 * eviction cost ~3 ms per 500 new groups (a 100,000-IP flood ran at ~9,000
 * events/s); popping the oldest costs a few microseconds.
 *
 * Activity is nearly always the newest event time, so most pushes come in
 * order: they go to a sorted run (appended, or slipped in among its last few
 * entries — groups of one event, late events), popped from its front without
 * any sifting. The rest go to a min-heap; a pop takes the older of the two
 * fronts. Either way the pairs come out in (activity, key) order, exactly as
 * from one heap.
 *
 * Each pair carries its key's bucket (bucketOf(key), known where it is
 * pushed), so that eviction and pruning reach a popped group without hashing
 * its key again (reading a cold key string to hash it cost a cache miss per
 * group evicted).
 *
 * The index is derived data: it is built from the state when eviction is first
 * needed and handed from one evaluate() call to the next through the returned
 * state (a WeakMap, so it never reaches the stored JSON). A state restored
 * from storage simply rebuilds it. The order it yields depends on the groups
 * alone, so eviction decides the same whether the index was carried or rebuilt.
 */
export class ActivityIndex {
  /**
   * The sorted run, oldest first, in slots head..tail-1 (slots outside are
   * spare: the arrays never shrink, so a run that keeps filling and emptying
   * is not allocated again and again).
   */
  private readonly runTimes: number[] = [];
  private readonly runKeys: string[] = [];
  private readonly runBuckets: number[] = [];
  private head = 0;
  private tail = 0;
  /** Pushes that fit nowhere near the run's end: a min-heap. */
  private heapTimes: number[] = [];
  private heapKeys: string[] = [];
  private heapBuckets: number[] = [];
  /** The activity of the entry `popKey` removed last … */
  poppedTime = 0;
  /** … and its key's bucket. */
  poppedBucket = 0;

  /** The oldest activity held (Infinity when empty). */
  get oldestTime(): number {
    const run = this.head < this.tail ? this.runTimes[this.head]! : Infinity;
    return this.heapTimes.length > 0 && this.heapTimes[0]! < run ? this.heapTimes[0]! : run;
  }

  get length(): number {
    return this.tail - this.head + this.heapTimes.length;
  }

  /** Adds a pair; `bucket` is the key's bucketOf (given by callers that know it). */
  push(time: number, key: string, bucket: number = bucketOf(key)): void {
    const times = this.runTimes;
    const keys = this.runKeys;
    const buckets = this.runBuckets;
    const tail = this.tail;
    let at = tail;
    const stop = Math.max(this.head, at - RUN_SLOTS);
    while (at > stop && before(time, key, times[at - 1]!, keys[at - 1]!)) at -= 1;
    if (at === stop && at > this.head && before(time, key, times[at - 1]!, keys[at - 1]!)) {
      heapPush(this.heapTimes, this.heapKeys, this.heapBuckets, time, key, bucket);
      return;
    }
    for (let i = tail; i > at; i--) {
      times[i] = times[i - 1]!;
      keys[i] = keys[i - 1]!;
      buckets[i] = buckets[i - 1]!;
    }
    times[at] = time;
    keys[at] = key;
    buckets[at] = bucket;
    this.tail = tail + 1;
  }

  /** The oldest key, removed (its activity in `poppedTime`, its bucket in `poppedBucket`); undefined when empty. */
  popKey(): string | undefined {
    const times = this.runTimes;
    const keys = this.runKeys;
    const buckets = this.runBuckets;
    const head = this.head;
    const heapTimes = this.heapTimes;
    const heapKeys = this.heapKeys;
    if (head < this.tail && (heapTimes.length === 0 || !before(heapTimes[0]!, heapKeys[0]!, times[head]!, keys[head]!))) {
      const key = keys[head]!;
      this.poppedTime = times[head]!;
      this.poppedBucket = buckets[head]!;
      keys[head] = ''; // the key is not kept alive by a spare slot
      this.head = head + 1;
      if (this.head === this.tail) {
        this.head = 0;
        this.tail = 0;
      } else if (this.head >= 1_024 && this.head * 2 >= this.tail) {
        // Moved down in blocks, so that the run's slots stay within twice what it holds.
        const held = this.tail - this.head;
        for (let i = 0; i < held; i++) {
          times[i] = times[this.head + i]!;
          keys[i] = keys[this.head + i]!;
          buckets[i] = buckets[this.head + i]!;
          keys[this.head + i] = '';
        }
        this.head = 0;
        this.tail = held;
      }
      return key;
    }
    if (heapTimes.length === 0) return undefined;
    this.poppedTime = heapTimes[0]!;
    this.poppedBucket = this.heapBuckets[0]!;
    return heapPop(heapTimes, heapKeys, this.heapBuckets);
  }
}

/** How far back from its end a push may slip into the run (further, it goes to the heap). */
const RUN_SLOTS = 16;

function before(timeA: number, keyA: string, timeB: number, keyB: string): boolean {
  return timeA < timeB || (timeA === timeB && keyA < keyB);
}

function heapPush(times: number[], keys: string[], buckets: number[], time: number, key: string, bucket: number): void {
  let i = times.length;
  times.push(time);
  keys.push(key);
  buckets.push(bucket);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(time, key, times[parent]!, keys[parent]!)) break;
    times[i] = times[parent]!;
    keys[i] = keys[parent]!;
    buckets[i] = buckets[parent]!;
    i = parent;
  }
  times[i] = time;
  keys[i] = key;
  buckets[i] = bucket;
}

/** Removes the heap's top, returning its key (the heap is not empty). */
function heapPop(times: number[], keys: string[], buckets: number[]): string {
  const topKey = keys[0]!;
  const lastTime = times.pop()!;
  const lastKey = keys.pop()!;
  const lastBucket = buckets.pop()!;
  const n = times.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(times[right]!, keys[right]!, times[left]!, keys[left]!) ? right : left;
      if (!before(times[child]!, keys[child]!, lastTime, lastKey)) break;
      times[i] = times[child]!;
      keys[i] = keys[child]!;
      buckets[i] = buckets[child]!;
      i = child;
    }
    times[i] = lastTime;
    keys[i] = lastKey;
    buckets[i] = lastBucket;
  }
  return topKey;
}

/** The newest event time a group has seen (window, sequence step or incident match). */
export function activityOf(group: GroupState): number {
  let activity = group.incident?.lastMatch ?? 0;
  const window = group.window;
  if (window && window.length > 0) activity = Math.max(activity, window[window.length - 1]![0]);
  const steps = group.steps;
  if (steps && steps.length > 0) activity = Math.max(activity, steps[steps.length - 1]![0]);
  return activity;
}

/** Builds the index over every group of a state's buckets. */
export function buildIndex(buckets: ReadonlyArray<StateBucket>): ActivityIndex {
  const index = new ActivityIndex();
  // By position, not the bucket's iterator: it copies a bucket's keys and groups first (two arrays per bucket, empty ones too).
  buckets.forEach((bucket, at) => {
    for (let i = 0; i < bucket.size; i++) index.push(activityOf(bucket.groupAt(i)), bucket.keyAt(i), at);
  });
  return index;
}

/** Indexes derived from a state, handed from one evaluate() call to the next with the state it returned. */
export interface DerivedIndexes {
  activity?: ActivityIndex;
  firstValues?: FirstValueIndex;
  expiry?: ExpiryIndex;
}

const carried = new WeakMap<EngineState, DerivedIndexes>();

/** The indexes handed over with `state`, if any; taken, so a second call on the same state rebuilds its own. */
export function takeIndexes(state: EngineState): DerivedIndexes {
  const indexes = carried.get(state);
  carried.delete(state);
  return indexes ?? {};
}

/** Stale entries beyond this many per live group make the activity index not worth carrying (it is rebuilt when needed). */
export const INDEX_SLACK = 4;

/** Hands the indexes over with the returned state (the activity index unless stale entries have piled up, after a flood). */
export function keepIndexes(state: EngineState, indexes: DerivedIndexes): void {
  const activity = indexes.activity && indexes.activity.length <= INDEX_SLACK * state.size + 1_024 ? indexes.activity : undefined;
  const expiry = indexes.expiry && indexes.expiry.length <= INDEX_SLACK * state.size + 1_024 ? indexes.expiry : undefined;
  carried.set(state, {
    ...(activity ? { activity } : {}),
    ...(indexes.firstValues ? { firstValues: indexes.firstValues } : {}),
    ...(expiry ? { expiry } : {}),
  });
}
