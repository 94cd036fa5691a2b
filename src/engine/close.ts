import { takeIndexes } from './activity-index.js';
import { asBucket, changedBuckets, type EngineState } from './state.js';

/**
 * Closes the open incidents with these ids, as a person resolving them in
 * Slack asks: the group's next match opens a new incident (a new message),
 * even inside the throttle. Like evaluate(), it changes the state it is given
 * (the caller's) in place and notes the buckets it writes. A resolved
 * incident leaves no carry: its repeats were seen by the person who resolved
 * it, so the next alert does not report them as suppressed. Ids that are not
 * open (already closed, pruned, another tenant's) are ignored.
 */
export function closeIncidents(state: EngineState, ids: Iterable<string>): { state: EngineState; closed: string[] } {
  const wanted = new Set(ids);
  if (wanted.size === 0) return { state, closed: [] };
  const closed: string[] = [];
  const changed = changedBuckets(state);
  state.buckets.forEach((stored, index) => {
    const bucket = asBucket(stored);
    for (const [key, group] of bucket) {
      if (!group.incident || !wanted.has(group.incident.id)) continue;
      const { incident, carry: _carry, ...rest } = group;
      if (bucket !== stored) state.buckets[index] = bucket;
      bucket.set(key, rest);
      changed.add(index);
      closed.push(incident.id);
    }
  });
  // Closing moves groups' expiry earlier than the carried expiry index says: the next call rebuilds it.
  if (closed.length > 0) takeIndexes(state);
  return { state, closed };
}
