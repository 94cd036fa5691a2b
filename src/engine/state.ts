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
  version: 1;
  /** Latest event time seen (ms); drives pruning. */
  clock: number;
  /** Keyed by rule id + group key. */
  groups: Record<string, GroupState>;
}

export function initialState(): EngineState {
  return { version: 1, clock: 0, groups: {} };
}

/**
 * Accepts state loaded from storage; anything unrecognised (older format,
 * corruption) starts afresh rather than crashing the poller.
 */
export function restoreState(value: unknown): EngineState {
  if (typeof value === 'string') {
    try {
      return restoreState(JSON.parse(value));
    } catch {
      return initialState();
    }
  }
  const candidate = value as Partial<EngineState> | null;
  if (
    candidate &&
    typeof candidate === 'object' &&
    candidate.version === 1 &&
    typeof candidate.clock === 'number' &&
    candidate.groups &&
    typeof candidate.groups === 'object'
  ) {
    return candidate as EngineState;
  }
  return initialState();
}
