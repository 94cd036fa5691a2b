import { asBucket, StateBucket, type EngineState } from './state.js';

/**
 * Closes the open incidents with these ids, as a person resolving them in
 * Slack asks: the group's next match opens a new incident (a new message),
 * even inside the throttle. Pure, like evaluate(): the input state is not
 * mutated; only the buckets holding a closed incident are copied. A resolved
 * incident leaves no carry: its repeats were seen by the person who resolved
 * it, so the next alert does not report them as suppressed. Ids that are not
 * open (already closed, pruned, another tenant's) are ignored.
 */
export function closeIncidents(state: EngineState, ids: Iterable<string>): { state: EngineState; closed: string[] } {
  const wanted = new Set(ids);
  if (wanted.size === 0) return { state, closed: [] };
  const buckets = state.buckets.slice();
  const closed: string[] = [];
  buckets.forEach((stored, index) => {
    let copy: StateBucket | undefined;
    for (const [key, group] of asBucket(stored)) {
      if (!group.incident || !wanted.has(group.incident.id)) continue;
      copy ??= new StateBucket(asBucket(stored));
      const { incident, carry: _carry, ...rest } = group;
      copy.set(key, rest);
      closed.push(incident.id);
    }
    if (copy) buckets[index] = copy;
  });
  if (closed.length === 0) return { state, closed };
  return { state: { ...state, buckets }, closed };
}
