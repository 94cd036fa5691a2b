import { INDEX_SLACK, activityOf, buildIndex } from './activity-index.js';
import type { RuleSet } from './compile.js';
import type { GroupState } from './state.js';
import type { WorkingState } from './working-state.js';

/**
 * At most this many groups are kept. The poller rewrites the whole state on
 * every page, and a wide flood (10,000 attacking IPs in 10 minutes) made
 * ~20,000 groups and ~6 MB of JSON per page; 5,000 groups keep it near 1.5 MB
 * while leaving room for every IP active in the last few seconds of such a
 * flood (an IP stays as long as fewer than 5,000 groups were active after it).
 */
export const MAX_GROUPS = 5_000;
/** Eviction frees a tenth of the cap at once, so it runs once per 500 new groups. */
const EVICT_DOWN_TO = MAX_GROUPS - MAX_GROUPS / 10;

const BELOW_THRESHOLD = 0;
const CLOSED_INCIDENT = 1;
const OPEN_INCIDENT = 2;

function rankOf(ruleSet: RuleSet, group: GroupState, clock: number): number {
  const incident = group.incident;
  // Most groups evicted have none: their rule is not looked up.
  if (!incident) return group.carry ? CLOSED_INCIDENT : BELOW_THRESHOLD;
  const throttleMs = ruleSet.byId.get(group.rule)?.throttleMs;
  return throttleMs !== undefined && clock < incident.lastMatch + throttleMs ? OPEN_INCIDENT : CLOSED_INCIDENT;
}

/**
 * Evicts groups once there are more than MAX_GROUPS: below-threshold windows
 * (and unfinished sequences) first, then closed incidents' carries, open
 * incidents last; oldest activity first within each; ties by key, so the
 * choice depends on the state alone.
 *
 * What eviction can cost: a window evicted before its threshold only delays
 * that threshold (its events start counting again from the next one). An
 * evicted carry loses the "suppressed" note of the next alert, never a count
 * (its events were reported as repeats). An open incident is evicted only
 * when every group is an open incident; its events were already counted in
 * its alert and repeats, and the next match opens a new incident.
 *
 * Groups come out of an activity index oldest first (see activity-index.ts):
 * below-threshold ones are evicted as they come, the others set aside and
 * only evicted, by rank, if the below-threshold ones run out.
 */
export function evictOverflow(ruleSet: RuleSet, work: WorkingState): void {
  if (work.size <= MAX_GROUPS) return;
  if (!work.activity || work.activity.length > INDEX_SLACK * work.size + 1_024) work.activity = buildIndex(work.groupBuckets());
  const index = work.activity;
  let excess = work.size - EVICT_DOWN_TO;
  const aside = new Map<string, { rank: number; activity: number; bucket: number }>();
  while (excess > 0) {
    const key = index.popKey();
    if (key === undefined) break;
    const activity = index.poppedTime;
    const group = work.peek(key, index.poppedBucket);
    if (!group || (aside.size > 0 && aside.has(key)) || activityOf(group) !== activity) continue; // stale entry
    const rank = rankOf(ruleSet, group, work.clock);
    if (rank !== BELOW_THRESHOLD) {
      aside.set(key, { rank, activity, bucket: index.poppedBucket });
      continue;
    }
    work.delete(key);
    excess -= 1;
  }
  const kept = [...aside].sort(([keyA, a], [keyB, b]) => a.rank - b.rank || a.activity - b.activity || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));
  for (const [key, { activity, bucket }] of kept) {
    if (excess > 0) {
      work.delete(key);
      excess -= 1;
    } else {
      index.push(activity, key, bucket);
    }
  }
}
