import type { ExpiryIndex } from './expiry.js';
import type { FirstValueIndex } from './first-value-index.js';
import type { EngineState, GroupState, StateBucket } from './state.js';

/**
 * Groups ordered by last activity (then key), for eviction: a min-heap of
 * (activity, key) pairs with lazy deletion. A group is pushed again whenever
 * its activity moves forward; an entry whose group is gone or has moved on is
 * stale and skipped when popped. Scanning and sorting every group on each
 * eviction cost ~3 ms per 500 new groups (a 100,000-IP flood ran at ~9,000
 * events/s); popping the oldest costs a few microseconds.
 *
 * The index is derived data: it is built from the state when eviction is first
 * needed and handed from one evaluate() call to the next through the returned
 * state (a WeakMap, so it never reaches the stored JSON). A state restored
 * from storage simply rebuilds it. The order it yields depends on the groups
 * alone, so eviction decides the same whether the index was carried or rebuilt.
 */
export class ActivityIndex {
  private times: number[] = [];
  private keys: string[] = [];
  /** The activity of the entry `popKey` removed last. */
  poppedTime = 0;

  /** The oldest activity held (Infinity when empty). */
  get oldestTime(): number {
    return this.times.length === 0 ? Infinity : this.times[0]!;
  }

  get length(): number {
    return this.times.length;
  }

  push(time: number, key: string): void {
    const times = this.times;
    const keys = this.keys;
    let i = times.length;
    times.push(time);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(time, key, times[parent]!, keys[parent]!)) break;
      times[i] = times[parent]!;
      keys[i] = keys[parent]!;
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
  }

  /** The oldest (activity, key), left in place; undefined when empty. */
  peek(): [number, string] | undefined {
    return this.times.length === 0 ? undefined : [this.times[0]!, this.keys[0]!];
  }

  /** The oldest (activity, key), removed; undefined when empty. */
  pop(): [number, string] | undefined {
    const time = this.times[0];
    const key = this.popKey();
    return key === undefined ? undefined : [time!, key];
  }


  /** The oldest key, removed (its activity in `poppedTime`), without allocating a pair; undefined when empty. */
  popKey(): string | undefined {
    const times = this.times;
    const keys = this.keys;
    if (times.length === 0) return undefined;
    const topTime = times[0]!;
    const topKey = keys[0]!;
    const lastTime = times.pop()!;
    const lastKey = keys.pop()!;
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
        i = child;
      }
      times[i] = lastTime;
      keys[i] = lastKey;
    }
    this.poppedTime = topTime;
    return topKey;
  }
}

function before(timeA: number, keyA: string, timeB: number, keyB: string): boolean {
  return timeA < timeB || (timeA === timeB && keyA < keyB);
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
  for (const bucket of buckets) for (const [key, group] of bucket) index.push(activityOf(group), key);
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
