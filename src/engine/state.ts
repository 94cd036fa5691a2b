/**
 * The engine's memory between evaluate() calls: plain JSON, so the poller can
 * store it next to the checkpoint in one SQLite transaction.
 */

/**
 * A distinct-count window could otherwise grow without bound (one IP retrying
 * the same 3 users all day). Beyond this many entries the oldest are evicted;
 * they were below the threshold and are never reported. A threshold count
 * above it could never be reached, so the rule schema caps `count` here.
 */
export const MAX_WINDOW_ENTRIES = 1_000;

/**
 * A sequence key keeps at most this many events (oldest dropped first); a
 * step's `count` is capped at half of it so a sequence can always complete.
 */
export const MAX_SEQUENCE_ENTRIES = 200;

/**
 * Groups are spread over this many buckets, each copied on write: a call then
 * copies only the buckets it touches instead of the whole group table (copying
 * a 500-group object cost ~0.6 ms, more than evaluating a page of 100 events).
 * Buckets are Maps: copying a plain-object bucket minted a hidden class per
 * key combination, and a flood of new IPs spent most of its time on that.
 * 4,096 keeps a bucket at about one group at the group cap: a flood of new
 * IPs touches hundreds of buckets per page, each copied once (copies of
 * 20-group buckets were a fifth of its cost); the per-call cost of more
 * buckets (one array copy) stays a few microseconds.
 */
export const STATE_BUCKETS = 4_096;

/**
 * One event inside a threshold window, compact: [time ms, log id, distinct
 * value, user, ip, events, code]. `code` is the event type (a folded event counts under the code of the entry it folds into). `events` (absent = 1) grows when a full distinct
 * window folds an older event of a repeated value into this later one, so
 * that every event stays counted (see `foldRepeat`).
 */
export type WindowEntry = [number, string, string | null, string | null, string | null, number?, string?];

/**
 * One event of a sequence, compact: [time ms, log id, steps it matches (bit
 * mask), user, ip, application, place, distinct value?, user agent?].
 * Application and place are kept for events of the last step only (the alert
 * names them), null otherwise; the distinct value for events of a step that
 * counts distinct values (of the first such step the event matches), null when
 * a last-step event has none; the user agent for events of the last step only
 * (absent in entries held from before it was kept).
 */
export type StepEntry = [number, string, number, string | null, string | null, string | null, string | null, (string | null)?, (string | null)?];

export interface IncidentState {
  id: string;
  /** Event time (ms) of the latest match; the incident is open while time < lastMatch + throttle. */
  lastMatch: number;
  /** Events reported so far (alert + repeats). */
  count: number;
  /** Events reported as repeats. */
  repeats: number;
}

export interface GroupState {
  rule: string;
  group: Record<string, string | null>;
  /** Threshold rules: events counted towards the threshold, in event-time order. */
  window?: WindowEntry[];
  /** Sequence rules: the key's events of any step, in event-time order. */
  steps?: StepEntry[];
  incident?: IncidentState;
  /** Repeats of the group's last closed incident, reported by its next alert while time < until. */
  carry?: { suppressed: number; until: number };
}

/**
 * One bucket of groups, keyed by rule id + group key, stored as a plain JSON
 * object. A bucket holds about one group (STATE_BUCKETS is near MAX_GROUPS),
 * and is copied whenever a call first writes to it: hundreds of times per page
 * in a flood of new IPs. So it is two parallel arrays searched linearly rather
 * than a Map: lookups in one or two entries cost the same, and the arrays are
 * never changed in place, only replaced by exact-size copies (set, delete):
 * a copy of the bucket shares them and costs one small object, and a bucket
 * holding one group holds two one-element arrays (a pushed-to array keeps
 * room for 17). (Before Maps, plain-object buckets minted a hidden class per
 * key combination; a Map cost five times as much to copy.) It behaves as a
 * Map in insertion order (get, set, delete, iteration), so code and tests read
 * it as one.
 */
export class StateBucket {
  private keyList: readonly string[];
  private groupList: readonly GroupState[];

  constructor(entries?: Iterable<readonly [string, GroupState]>) {
    this.keyList = NO_KEYS;
    this.groupList = NO_GROUPS;
    if (entries) for (const [key, group] of entries) this.set(key, group);
  }

  /** A copy to write to (it shares the lists until either is written; groups are shared, as a Map copy would). */
  static copyOf(bucket: StateBucket): StateBucket {
    const copy = new StateBucket();
    copy.keyList = bucket.keyList;
    copy.groupList = bucket.groupList;
    return copy;
  }

  get size(): number {
    return this.keyList.length;
  }

  get(key: string): GroupState | undefined {
    const index = this.keyList.indexOf(key);
    return index < 0 ? undefined : this.groupList[index];
  }

  has(key: string): boolean {
    return this.keyList.includes(key);
  }

  set(key: string, group: GroupState): this {
    const index = this.keyList.indexOf(key);
    if (index >= 0) this.groupList = replacedAt(this.groupList, index, group);
    else {
      this.keyList = appended(this.keyList, key);
      this.groupList = appended(this.groupList, group);
    }
    return this;
  }

  delete(key: string): boolean {
    const index = this.keyList.indexOf(key);
    if (index < 0) return false;
    this.keyList = removedAt(this.keyList, index);
    this.groupList = removedAt(this.groupList, index);
    return true;
  }

  *entries(): IterableIterator<[string, GroupState]> {
    // The lists are replaced, never changed, on write: a caller may delete the entry it is visiting.
    const keys = this.keyList;
    const groups = this.groupList;
    for (let i = 0; i < keys.length; i++) yield [keys[i]!, groups[i]!];
  }

  [Symbol.iterator](): IterableIterator<[string, GroupState]> {
    return this.entries();
  }

  keys(): IterableIterator<string> {
    return this.keyList.values();
  }

  values(): IterableIterator<GroupState> {
    return this.groupList.values();
  }

  toJSON(): Record<string, GroupState> {
    // fromEntries defines own properties: a key such as `__proto__` stays a key.
    return Object.fromEntries(this.keyList.map((key, i) => [key, this.groupList[i]!]));
  }
}

const NO_ITEMS: readonly never[] = [];
const NO_KEYS: readonly string[] = NO_ITEMS;
const NO_GROUPS: readonly GroupState[] = NO_ITEMS;

/** A copy of `list` with `item` added at the end, of exact size. */
function appended<T>(list: readonly T[], item: T): T[] {
  const copy = new Array<T>(list.length + 1);
  for (let i = 0; i < list.length; i++) copy[i] = list[i]!;
  copy[list.length] = item;
  return copy;
}

/** A copy of `list` with the item at `index` replaced. */
function replacedAt<T>(list: readonly T[], index: number, item: T): T[] {
  const copy = list.slice();
  copy[index] = item;
  return copy;
}

/** A copy of `list` without the item at `index`, of exact size. */
function removedAt<T>(list: readonly T[], index: number): readonly T[] {
  if (list.length === 1) return NO_ITEMS as readonly T[]; // a bucket's last group: nothing to allocate
  const copy = new Array<T>(list.length - 1);
  for (let i = 0; i < index; i++) copy[i] = list[i]!;
  for (let i = index + 1; i < list.length; i++) copy[i - 1] = list[i]!;
  return copy;
}

/** A bucket as stored (JSON object) or in memory. */
export type StoredBucket = StateBucket | Record<string, GroupState>;

/** A bucket as a StateBucket (stored JSON buckets are converted; the input is not changed). */
export function asBucket(bucket: StoredBucket): StateBucket {
  return bucket instanceof StateBucket ? bucket : new StateBucket(Object.entries(bucket));
}

export interface EngineState {
  version: 2;
  /** Latest event time seen (ms). */
  clock: number;
  /** Pruning (a scan of every group) runs once event time passes this, not on every call. */
  nextPruneAt: number;
  /** How many groups the buckets hold. */
  size: number;
  /**
   * STATE_BUCKETS maps keyed by rule id + group key; a key's bucket is
   * `bucketOf(key)`. A state parsed from JSON holds plain objects instead:
   * evaluate() accepts both, restoreState() converts.
   */
  buckets: StoredBucket[];
}

/** FNV-1a 32-bit of the key, folded onto the bucket count. */
export function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % STATE_BUCKETS;
}

export function initialState(): EngineState {
  return { version: 2, clock: 0, nextPruneAt: 0, size: 0, buckets: Array.from({ length: STATE_BUCKETS }, () => new StateBucket()) };
}

/** Every group of a state with its key (for tests, diagnostics and migration). */
export function stateGroups(state: EngineState): Record<string, GroupState> {
  const all: Record<string, GroupState> = {};
  for (const bucket of state.buckets) Object.assign(all, bucket instanceof StateBucket ? bucket.toJSON() : bucket);
  return all;
}

/** Builds a state from a flat key → group table (version 1 stored this; older version 2 states had fewer buckets). */
function fromGroups(clock: number, groups: Record<string, GroupState>, nextPruneAt = 0): EngineState {
  const state = initialState();
  state.clock = clock;
  state.nextPruneAt = nextPruneAt;
  for (const [key, group] of Object.entries(groups)) {
    (state.buckets[bucketOf(key)] as StateBucket).set(key, group);
    state.size += 1;
  }
  return state;
}

/**
 * Accepts state loaded from storage; version 1 (one flat group table) is
 * moved into buckets so open incidents survive an upgrade; anything else
 * unrecognised (corruption) starts afresh rather than crashing the poller.
 */
export function restoreState(value: unknown): EngineState {
  if (typeof value === 'string') {
    try {
      return restoreState(JSON.parse(value));
    } catch {
      return initialState();
    }
  }
  if (!value || typeof value !== 'object') return initialState();
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.clock !== 'number') return initialState();
  if (candidate.version === 1 && candidate.groups && typeof candidate.groups === 'object') {
    return fromGroups(candidate.clock, candidate.groups as Record<string, GroupState>);
  }
  if (
    candidate.version === 2 &&
    typeof candidate.nextPruneAt === 'number' &&
    typeof candidate.size === 'number' &&
    Array.isArray(candidate.buckets) &&
    candidate.buckets.length > 0 &&
    candidate.buckets.every((bucket) => bucket !== null && typeof bucket === 'object' && !Array.isArray(bucket))
  ) {
    if (candidate.buckets.length === STATE_BUCKETS) {
      return { ...(candidate as unknown as EngineState), buckets: (candidate.buckets as StoredBucket[]).map(asBucket) };
    }
    // Stored with another bucket count (an older release): spread its groups again.
    const groups = Object.assign({}, ...(candidate.buckets as Array<Record<string, GroupState>>)) as Record<string, GroupState>;
    return fromGroups(candidate.clock, groups, candidate.nextPruneAt);
  }
  return initialState();
}
