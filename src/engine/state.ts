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
 * Groups are spread over this many buckets, each copied on write: a call then
 * copies only the buckets it touches instead of the whole group table (copying
 * a 500-group object cost ~0.6 ms, more than evaluating a page of 100 events).
 */
export const STATE_BUCKETS = 256;

/** One event inside a threshold window, compact: [time ms, log id, distinct value, user, ip]. */
export type WindowEntry = [number, string, string | null, string | null, string | null];

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
  /** Threshold rules: events counted towards the threshold, oldest first. */
  window?: WindowEntry[];
  incident?: IncidentState;
  /** Repeats of the group's last closed incident, reported by its next alert while time < until. */
  carry?: { suppressed: number; until: number };
}

export interface EngineState {
  version: 2;
  /** Latest event time seen (ms). */
  clock: number;
  /** Pruning (a scan of every group) runs once event time passes this, not on every call. */
  nextPruneAt: number;
  /** How many groups the buckets hold. */
  size: number;
  /** STATE_BUCKETS objects keyed by rule id + group key; a key's bucket is `bucketOf(key)`. */
  buckets: Array<Record<string, GroupState>>;
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
  return { version: 2, clock: 0, nextPruneAt: 0, size: 0, buckets: Array.from({ length: STATE_BUCKETS }, () => ({})) };
}

/** Every group of a state with its key (for tests, diagnostics and migration). */
export function stateGroups(state: EngineState): Record<string, GroupState> {
  const all: Record<string, GroupState> = {};
  for (const bucket of state.buckets) Object.assign(all, bucket);
  return all;
}

/** Builds a state from a flat key → group table (version 1 stored this). */
function fromGroups(clock: number, groups: Record<string, GroupState>): EngineState {
  const state = initialState();
  state.clock = clock;
  for (const [key, group] of Object.entries(groups)) {
    state.buckets[bucketOf(key)]![key] = group;
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
    candidate.buckets.length === STATE_BUCKETS &&
    candidate.buckets.every((bucket) => bucket !== null && typeof bucket === 'object' && !Array.isArray(bucket))
  ) {
    return candidate as unknown as EngineState;
  }
  return initialState();
}
