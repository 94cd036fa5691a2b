import type { RuleSet } from './compile.js';
import type { WorkingState } from './working-state.js';

/**
 * At most this many groups are kept. The poller rewrites the whole state on
 * every page, and a wide flood (10,000 attacking IPs in 10 minutes) made
 * ~20,000 groups and ~6 MB of JSON per page; 5,000 groups keep it near 1.5 MB
 * while leaving room for every IP active in the last few seconds of such a
 * flood (an IP stays as long as fewer than 5,000 groups were active after it).
 */
export const MAX_GROUPS = 5_000;
/** Eviction frees a tenth of the cap at once, so its scan and sort are paid once per 500 new groups. */
const EVICT_DOWN_TO = MAX_GROUPS - MAX_GROUPS / 10;

const BELOW_THRESHOLD = 0;
const CLOSED_INCIDENT = 1;
const OPEN_INCIDENT = 2;

/**
 * Evicts groups once there are more than MAX_GROUPS: below-threshold windows
 * first, then closed incidents' carries, open incidents last; oldest activity
 * first within each; ties by key, so the choice depends on the state alone.
 *
 * What eviction can cost: a window evicted before its threshold only delays
 * that threshold (its events start counting again from the next one). An
 * evicted carry loses the "suppressed" note of the next alert, never a count
 * (its events were reported as repeats). An open incident is evicted only
 * when every group is an open incident; its events were already counted in
 * its alert and repeats, and the next match opens a new incident.
 */
export function evictOverflow(ruleSet: RuleSet, work: WorkingState): void {
  if (work.size <= MAX_GROUPS) return;
  const candidates: Array<{ key: string; rank: number; activity: number }> = [];
  work.forEachGroup((key, stored, live) => {
    const group = live?.state ?? stored;
    const throttleMs = ruleSet.byId.get(group.rule)?.throttleMs;
    const incident = group.incident;
    const open = !!incident && throttleMs !== undefined && work.clock < incident.lastMatch + throttleMs;
    const rank = open ? OPEN_INCIDENT : incident || group.carry ? CLOSED_INCIDENT : BELOW_THRESHOLD;
    const window = group.window;
    const lastEntry = window && window.length > 0 ? window[window.length - 1]![0] : 0;
    candidates.push({ key, rank, activity: Math.max(lastEntry, incident?.lastMatch ?? 0) });
  });
  candidates.sort((a, b) => a.rank - b.rank || a.activity - b.activity || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const excess = work.size - EVICT_DOWN_TO;
  for (let i = 0; i < excess; i++) work.delete(candidates[i]!.key);
}
