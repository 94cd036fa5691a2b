import { compareLogIds, eventTime, type LogEvent } from '../auth0/log-event.js';
import type { Alert } from './alert.js';
import { rulesForCode, type CompiledRule, type RuleSet } from './compile.js';
import { eventUser, valueText } from './fields.js';
import { MAX_WINDOW_ENTRIES, type EngineState, type GroupState, type WindowEntry } from './state.js';
import { RepeatBatches, incidentId, matchedAlert, thresholdAlert } from './alert-build.js';

/**
 * How long a closed incident's repeat count waits for the group's next alert
 * (which reports it as `suppressed`): a day, or the throttle if longer. A bound
 * is needed so that state does not keep every group ever seen.
 */
export const CARRY_RETENTION_MS = 24 * 3_600_000;
const carryUntil = (closedAt: number, throttleMs: number): number => closedAt + Math.max(throttleMs, CARRY_RETENTION_MS);
/**
 * Log ids and dates do not agree exactly: an event later in log_id order may
 * carry a slightly earlier date. Pruning lags the latest date by this much so
 * that such an event still sees what it would have seen had it arrived in the
 * same call, whatever the page boundaries.
 */
export const PRUNE_LAG_MS = 10 * 60_000;
/** Huge batches (replay) are pruned along the way, not only at the end. */
const PRUNE_EVERY_EVENTS = 20_000;

/** A group being worked on in this call: a private copy of its stored state plus indexes. */
interface LiveGroup {
  state: GroupState;
  /** Window entries before this index are expired (dropped when written back). */
  head: number;
  /** Distinct value → occurrences among live window entries. */
  distinct?: Map<string, number>;
}

function openWindow(state: GroupState, rule: CompiledRule): LiveGroup {
  const live: LiveGroup = { state, head: 0 };
  if (rule.threshold?.distinct) {
    live.distinct = new Map();
    for (const entry of state.window ?? []) if (entry[2] !== null) bump(live.distinct, entry[2], 1);
  }
  return live;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

function liveWindow(live: LiveGroup): WindowEntry[] {
  return (live.state.window ?? []).slice(live.head);
}

function dropOldest(live: LiveGroup): void {
  const entry = live.state.window?.[live.head];
  if (!entry) return;
  if (live.distinct && entry[2] !== null) bump(live.distinct, entry[2], -1);
  live.head += 1;
}

/**
 * Evaluates events against the rules. Pure: no I/O, no clock (time is each
 * event's `date`), no logging. The input state is never mutated; the returned
 * state shares untouched groups with it (copy-on-write), so treat both as
 * immutable. Events are evaluated in log_id order (a sorted copy).
 *
 * Window: an event counts if its time is within (t - window, t]; an event
 * exactly `window` after the oldest one no longer sees that oldest one.
 * Incident: open while t < lastMatch + throttle.
 */
export function evaluate(
  ruleSet: RuleSet,
  state: EngineState,
  events: readonly LogEvent[],
): { alerts: Alert[]; state: EngineState } {
  const sorted = inLogIdOrder(events);
  const alerts: Alert[] = [];
  const repeats = new RepeatBatches(alerts);
  const touched = new Map<string, LiveGroup | null>();
  let clock = state.clock;

  const getGroup = (key: string, rule: CompiledRule, makeGroup: () => Record<string, string | null>): LiveGroup => {
    const existing = touched.get(key);
    if (existing) return existing;
    const stored = existing === null ? undefined : state.groups[key];
    // Explicit copies: object spread measured slow on this hot path.
    const copy: GroupState = stored ? { rule: stored.rule, group: stored.group } : { rule: rule.id, group: makeGroup() };
    if (stored?.window) copy.window = stored.window.slice();
    if (stored?.incident) {
      const { id, lastMatch, count, repeats: repeated } = stored.incident;
      copy.incident = { id, lastMatch, count, repeats: repeated };
    }
    if (stored?.carry) copy.carry = stored.carry; // replaced, never mutated
    const live = openWindow(copy, rule);
    touched.set(key, live);
    return live;
  };

  const closeIfOver = (live: LiveGroup, rule: CompiledRule, t: number): void => {
    const incident = live.state.incident;
    if (!incident || rule.throttleMs === undefined || t < incident.lastMatch + rule.throttleMs) return;
    const end = incident.lastMatch + rule.throttleMs;
    delete live.state.incident;
    if (incident.repeats > 0) live.state.carry = { suppressed: incident.repeats, until: carryUntil(end, rule.throttleMs) };
  };

  const takeCarry = (live: LiveGroup, t: number): number => {
    const carry = live.state.carry;
    delete live.state.carry;
    return carry && t < carry.until ? carry.suppressed : 0;
  };

  const handle = (rule: CompiledRule, event: LogEvent, t: number): void => {
    // The lookup key is built without allocating the group record; that is made only for a new group.
    const getters = rule.groupGetters;
    let key = rule.id;
    for (let i = 0; i < getters.length; i++) key += `\u0000${valueText(getters[i]!(event)) ?? '\u0001'}`;
    const makeGroup = (): Record<string, string | null> => {
      const group: Record<string, string | null> = {};
      for (let i = 0; i < getters.length; i++) group[rule.groupBy[i]!] = valueText(getters[i]!(event));
      return group;
    };

    if (rule.throttleMs === undefined) {
      // No threshold, no throttle: every event is its own incident; nothing to remember.
      const group = makeGroup();
      alerts.push(matchedAlert(rule, event, t, incidentId(rule, group, event.log_id), group, 0, 1));
      return;
    }

    const live = getGroup(key, rule, makeGroup);
    closeIfOver(live, rule, t);

    const incident = live.state.incident;
    if (incident) {
      incident.lastMatch = Math.max(incident.lastMatch, t);
      incident.count += 1;
      incident.repeats += 1;
      repeats.add(rule, incident, live.state.group, event, t);
      return;
    }

    if (!rule.threshold) {
      const id = incidentId(rule, live.state.group, event.log_id);
      live.state.incident = { id, lastMatch: t, count: 1, repeats: 0 };
      alerts.push(matchedAlert(rule, event, t, id, live.state.group, takeCarry(live, t), 1));
      return;
    }

    const { count, windowMs, distinct } = rule.threshold;
    const window = (live.state.window ??= []);
    while (live.head < window.length && window[live.head]![0] <= t - windowMs) dropOldest(live);
    const distinctValue = distinct ? valueText(distinct(event)) : null;
    window.push([t, event.log_id, distinctValue, eventUser(event), valueText(event.ip, 120)]);
    if (live.distinct && distinctValue !== null) bump(live.distinct, distinctValue, 1);
    while (window.length - live.head > MAX_WINDOW_ENTRIES) dropOldest(live);

    const reached = live.distinct ? live.distinct.size >= count : window.length - live.head >= count;
    if (!reached) return;

    const entries = liveWindow(live);
    const id = incidentId(rule, live.state.group, entries[0]![1]);
    const distinctCount = live.distinct?.size;
    live.state.window = [];
    live.head = 0;
    live.distinct?.clear();
    live.state.incident = { id, lastMatch: t, count: entries.length, repeats: 0 };
    alerts.push(thresholdAlert(rule, { incident: id, group: live.state.group, entries, distinctCount, event, t, suppressed: takeCarry(live, t) }));
  };

  const prune = (now: number): void => {
    const keys = new Set<string>([...Object.keys(state.groups), ...touched.keys()]);
    for (const key of keys) {
      const current = touched.get(key);
      if (current === null) continue;
      const stored = current?.state ?? state.groups[key]!;
      const rule = ruleSet.byId.get(stored.rule);
      if (!rule || rule.throttleMs === undefined) {
        touched.set(key, null); // the rule was removed or changed shape: forget its groups
        continue;
      }
      const incidentOpen = !!stored.incident && now < stored.incident.lastMatch + rule.throttleMs;
      // A closing incident with repeats leaves a carry for the group's next alert.
      const carryLive =
        (!!stored.carry && now < stored.carry.until) ||
        (!!stored.incident && stored.incident.repeats > 0 && now < carryUntil(stored.incident.lastMatch + rule.throttleMs, rule.throttleMs));
      const window = current ? liveWindow(current) : (stored.window ?? []);
      const last = window[window.length - 1];
      const windowLive = !!rule.threshold && !!last && last[0] > now - rule.threshold.windowMs;
      if (incidentOpen || carryLive || windowLive) {
        // Only pay for a copy when something inside actually expired.
        const closing = !!stored.incident && !incidentOpen;
        const expiredCarry = !!stored.carry && !carryLive;
        const expiredEntries = !!rule.threshold && window.length > 0 && window[0]![0] <= now - rule.threshold.windowMs;
        if (!closing && !expiredCarry && !expiredEntries) continue;
        const live = current ?? getGroup(key, rule, () => stored.group);
        if (closing) closeIfOver(live, rule, now);
        if (live.state.carry && now >= live.state.carry.until) delete live.state.carry;
        if (rule.threshold) {
          const w = live.state.window ?? [];
          while (live.head < w.length && w[live.head]![0] <= now - rule.threshold.windowMs) dropOldest(live);
        }
        continue;
      }
      touched.set(key, null);
    }
  };

  let sincePrune = 0;
  for (const event of sorted) {
    const rules = rulesForCode(ruleSet, event.type);
    if (rules.length === 0) continue;
    const t = eventTime(event);
    if (t > clock) clock = t;
    for (const rule of rules) if (rule.matches(event)) handle(rule, event, t);
    if (++sincePrune >= PRUNE_EVERY_EVENTS) {
      sincePrune = 0;
      prune(clock - PRUNE_LAG_MS);
    }
  }
  prune(clock - PRUNE_LAG_MS);
  repeats.finish();

  const groups: Record<string, GroupState> = { ...state.groups };
  for (const [key, live] of touched) {
    if (live === null) {
      delete groups[key];
      continue;
    }
    const window = live.state.window ? liveWindow(live) : undefined;
    const next: GroupState = { rule: live.state.rule, group: live.state.group };
    if (window && window.length > 0) next.window = window;
    if (live.state.incident) next.incident = live.state.incident;
    if (live.state.carry) next.carry = live.state.carry;
    groups[key] = next;
  }
  return { alerts, state: { version: 1, clock, groups } };
}

/** A sorted copy; pages from the API usually arrive sorted (or reversed), so check before sorting. */
function inLogIdOrder(events: readonly LogEvent[]): LogEvent[] {
  let ascending = true;
  let descending = true;
  for (let i = 1; i < events.length && (ascending || descending); i++) {
    const order = compareLogIds(events[i - 1]!.log_id, events[i]!.log_id);
    if (order > 0) ascending = false;
    if (order < 0) descending = false;
  }
  if (ascending) return events.slice();
  if (descending) return events.slice().reverse();
  return events.slice().sort((a, b) => compareLogIds(a.log_id, b.log_id));
}
