import { StateBucket } from './state-bucket.js';

export { StateBucket } from './state-bucket.js';

/**
 * The engine's memory between evaluate() calls: plain JSON, so the poller can
 * store it next to the checkpoint in one SQLite transaction. The caller owns
 * it and evaluate() changes it in place; a caller that may discard an
 * evaluation (a failed commit) evaluates again on the state as stored, or on a
 * `cloneState` taken before.
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
 * Groups are spread over this many buckets, the unit the state is serialised
 * (and may be stored) in: a call notes the buckets it writes, and only those
 * are stringified again (a page of 100 events writes a few dozen of them,
 * while stringifying a 200k-event backlog's whole state cost a fifth of the
 * catch-up's CPU). 4,096 keeps a bucket at about one group at the group cap.
 * The number is part of the stored format: a state stored with another count
 * is spread again on restore.
 */
export const STATE_BUCKETS = 4_096;

/**
 * One event inside a threshold window, compact: [time ms, log id, distinct
 * value, user, ip, events, code, folded log ids]. `code` is the event type (a folded event counts under the code of the entry it folds into). `events` (absent = 1) grows when a full distinct
 * window folds an older event of a repeated value into this later one, so
 * that every event stays counted (see `keepWithin` in window.ts); `folded log
 * ids` (absent: none) are the log ids of the events folded into it, oldest
 * first, so that the alert still lists them — at most MAX_FOLDED_LOG_IDS in a
 * window, so an event folded past that is counted (in `events`) without its
 * log id.
 */
export type WindowEntry = [number, string, string | null, string | null, string | null, number?, string?, string[]?];

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
 * A group's own copy: everything evaluate() writes in place (the incident's
 * counts, the window and step lists) is copied; entries are never written
 * once listed (a folded window entry is a new entry, and its list of folded
 * log ids a new list or one passed on unchanged), so they are shared.
 */
export function cloneGroup(group: GroupState): GroupState {
  return groupState(
    group.rule,
    group.group,
    group.window?.slice(),
    group.steps?.slice(),
    group.incident && { ...group.incident },
    group.carry && { ...group.carry },
  );
}

/**
 * A group's state, every field set (undefined when absent) and in one order:
 * one object shape for all groups, so the engine's reads of `window`,
 * `steps`, `incident` and `carry` (per event, per group it touches) are
 * monomorphic. Groups made field by field, in the order events happened to
 * add them, and fields deleted (which turns an object into a dictionary),
 * made those reads megamorphic look-ups. Fields are cleared by setting them
 * undefined, never deleted; JSON.stringify leaves undefined fields out, so
 * the stored JSON has the same fields (in this order).
 */
export function groupState(
  rule: string,
  group: Record<string, string | null>,
  window?: WindowEntry[],
  steps?: StepEntry[],
  incident?: IncidentState,
  carry?: GroupState['carry'],
): GroupState {
  return { rule, group, window, steps, incident, carry };
}

/** A group read from storage (JSON.parse gives each its own shape), in the one shape groupState makes. */
export function storedGroupState(group: GroupState): GroupState {
  return groupState(group.rule, group.group, group.window, group.steps, group.incident, group.carry);
}

/** A bucket as stored (JSON object) or in memory. */
export type StoredBucket = StateBucket | Record<string, GroupState>;

/** A bucket as a StateBucket (a stored JSON bucket is converted; a StateBucket is returned as it is). */
export function asBucket(bucket: StoredBucket): StateBucket {
  if (bucket instanceof StateBucket) return bucket;
  const converted = new StateBucket();
  for (const [key, group] of Object.entries(bucket)) converted.set(key, storedGroupState(group));
  return converted;
}

/** A bucket's own copy (its groups cloned), whatever form it is in. */
function cloneBucket(bucket: StoredBucket): StateBucket {
  const copy = new StateBucket();
  for (const [key, group] of bucket instanceof StateBucket ? bucket : Object.entries(bucket)) copy.set(key, cloneGroup(group));
  return copy;
}

/**
 * A state of its own: evaluate() changes the state it is given, so a test
 * that evaluates the same input twice (page-split invariance), or a caller
 * that may discard an evaluation, works on a clone.
 */
export function cloneState(state: EngineState): EngineState {
  return { version: 2, clock: state.clock, nextPruneAt: state.nextPruneAt, size: state.size, buckets: state.buckets.map(cloneBucket) };
}

/**
 * Which buckets were written since the changes were last taken, per state.
 * evaluate() and closeIncidents() note every bucket they write (a group
 * opened for writing, created or deleted); the serialiser takes them to
 * stringify only those again. Kept beside the state (never in its JSON).
 */
const changes = new WeakMap<EngineState, ChangedBuckets>();

/**
 * A set of bucket indexes: a flag per bucket rather than a hash set — a wide
 * flood notes two buckets per group it opens and evicts (one hash-set look-up
 * each), while the serialiser takes them once per page.
 */
export class ChangedBuckets {
  private readonly flags: Uint8Array;
  /** Indexes beyond the flags (a state holding more buckets than it was made with). */
  private readonly beyond = new Set<number>();
  private count = 0;

  constructor(buckets: number) {
    this.flags = new Uint8Array(buckets);
  }

  get size(): number {
    return this.count + this.beyond.size;
  }

  add(index: number): void {
    if (index >= this.flags.length) this.beyond.add(index);
    else if (this.flags[index] === 0) {
      this.flags[index] = 1;
      this.count += 1;
    }
  }

  /** The indexes, ascending. */
  sorted(): number[] {
    const indexes: number[] = [];
    for (let i = 0; i < this.flags.length && indexes.length < this.count; i++) if (this.flags[i] === 1) indexes.push(i);
    return this.beyond.size === 0 ? indexes : [...indexes, ...[...this.beyond].sort((a, b) => a - b)];
  }
}

/** The set of `state`'s changed buckets, to add to (evaluate() takes it once per call). */
export function changedBuckets(state: EngineState): ChangedBuckets {
  let changed = changes.get(state);
  if (!changed) changes.set(state, (changed = new ChangedBuckets(state.buckets.length)));
  return changed;
}

/**
 * The indexes of the buckets written since the last call for this state (in
 * ascending order), forgetting them. A state restored from storage starts
 * with none: it equals what is stored.
 */
export function takeChangedBuckets(state: EngineState): number[] {
  const changed = changes.get(state);
  if (!changed || changed.size === 0) return [];
  changes.delete(state);
  return changed.sorted();
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
  return bucketOfHash(keyHash(key));
}

/**
 * bucketOf's FNV-1a hash of `text` from index `from` on, continued from
 * `hash` (the hash of what comes before): a key can be hashed in parts, its
 * rule's part once with the rule (see group-key.ts).
 */
export function keyHash(text: string, hash = 0x811c9dc5, from = 0): number {
  for (let i = from; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/** The bucket of a key whose keyHash is `hash`. */
export function bucketOfHash(hash: number): number {
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
    (state.buckets[bucketOf(key)] as StateBucket).set(key, storedGroupState(group));
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
      // A state still in memory (a store that kept the object) is cloned: evaluate() writes the state it is given.
      const buckets = candidate.buckets as StoredBucket[];
      const own = buckets.some((bucket) => bucket instanceof StateBucket) ? buckets.map(cloneBucket) : buckets.map(asBucket);
      return { version: 2, clock: candidate.clock, nextPruneAt: candidate.nextPruneAt as number, size: candidate.size as number, buckets: own };
    }
    // Stored with another bucket count (an older release): spread its groups again.
    const groups = Object.assign({}, ...(candidate.buckets as Array<Record<string, GroupState>>)) as Record<string, GroupState>;
    return fromGroups(candidate.clock, groups, candidate.nextPruneAt);
  }
  return initialState();
}
