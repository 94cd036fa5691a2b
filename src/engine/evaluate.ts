import { compareLogIds, eventTime, type LogEvent } from '../auth0/log-event.js';
import type { Alert } from './alert.js';
import { rulesForCode, type CompiledRule, type RuleSet } from './compile.js';
import { eventUser, valueText } from './fields.js';
import { MAX_WINDOW_ENTRIES, type EngineState } from './state.js';
import { MAX_GROUPS, evictOverflow } from './evict.js';
import { WorkingState, addEntry, clearWindow, dropOldest, expireBefore, liveWindow, windowSize, type LiveGroup } from './working-state.js';
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
/**
 * Pruning scans every group, so it runs when event time has moved this far
 * since the last scan rather than on every call: a page of 100 events would
 * otherwise pay for the whole state. It only frees memory (expired windows,
 * closed incidents, spent carries are ignored by evaluation anyway), so when
 * it runs does not change any alert; being driven by event time alone, it
 * also runs at the same events whatever the page boundaries.
 */
export const PRUNE_INTERVAL_MS = 60_000;

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
): { alerts: Alert[]; state: EngineState; skipped: SkippedEvent[] } {
  const sorted = inLogIdOrder(events);
  const alerts: Alert[] = [];
  const skipped: SkippedEvent[] = [];
  const repeats = new RepeatBatches(alerts);
  const work = new WorkingState(state);

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

    const live = work.open(key, rule, makeGroup);
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
    expireBefore(live, t - windowMs);
    const distinctValue = distinct ? valueText(distinct(event)) : null;
    addEntry(live, [t, event.log_id, distinctValue, eventUser(event), valueText(event.ip, 120)]);
    while (windowSize(live) > MAX_WINDOW_ENTRIES) dropOldest(live);

    const reached = live.distinct ? live.distinct.size >= count : windowSize(live) >= count;
    if (!reached) return;

    const entries = liveWindow(live);
    const id = incidentId(rule, live.state.group, entries[0]![1]);
    const distinctCount = live.distinct?.size;
    clearWindow(live);
    live.state.incident = { id, lastMatch: t, count: entries.length, repeats: 0 };
    alerts.push(thresholdAlert(rule, { incident: id, group: live.state.group, entries, distinctCount, event, t, suppressed: takeCarry(live, t) }));
  };

  for (const event of sorted) {
    const rules = rulesForCode(ruleSet, event.type);
    if (rules.length === 0) continue;
    const t = eventTime(event);
    if (t > work.clock) {
      work.clock = t;
      const pruneAt = t - PRUNE_LAG_MS;
      if (pruneAt >= work.nextPruneAt) {
        prune(ruleSet, work, pruneAt);
        work.nextPruneAt = pruneAt + PRUNE_INTERVAL_MS;
      }
    }
    try {
      for (const rule of rules) if (rule.matches(event)) handle(rule, event, t);
    } catch (error) {
      // One event must never fail the page (and so the poll cycle, again at every restart).
      skipped.push({ logId: event.log_id, problem: error instanceof Error ? error.message : String(error) });
    }
    if (work.size > MAX_GROUPS) evictOverflow(ruleSet, work);
  }
  repeats.finish();
  return { alerts, state: work.finish(), skipped };
}

/** An event whose evaluation threw (a bug, never expected): reported by the caller, not evaluated further. */
export interface SkippedEvent {
  logId: string;
  problem: string;
}

function closeIfOver(live: LiveGroup, rule: CompiledRule, t: number): void {
  const incident = live.state.incident;
  if (!incident || rule.throttleMs === undefined || t < incident.lastMatch + rule.throttleMs) return;
  const end = incident.lastMatch + rule.throttleMs;
  delete live.state.incident;
  if (incident.repeats > 0) live.state.carry = { suppressed: incident.repeats, until: carryUntil(end, rule.throttleMs) };
}

function takeCarry(live: LiveGroup, t: number): number {
  const carry = live.state.carry;
  delete live.state.carry;
  return carry && t < carry.until ? carry.suppressed : 0;
}

/**
 * Forgets what no later event can need as of `now` (lagging the clock):
 * groups of removed rules, and groups with no open incident, no live carry
 * and no live window entry; trims the rest.
 */
function prune(ruleSet: RuleSet, work: WorkingState, now: number): void {
  work.forEachGroup((key, stored, current) => {
    const rule = ruleSet.byId.get(stored.rule);
    if (!rule || rule.throttleMs === undefined) {
      work.delete(key); // the rule was removed or changed shape: forget its groups
      return;
    }
    const incidentOpen = !!stored.incident && now < stored.incident.lastMatch + rule.throttleMs;
    // A closing incident with repeats leaves a carry for the group's next alert.
    const carryLive =
      (!!stored.carry && now < stored.carry.until) ||
      (!!stored.incident && stored.incident.repeats > 0 && now < carryUntil(stored.incident.lastMatch + rule.throttleMs, rule.throttleMs));
    const window = current ? liveWindow(current) : (stored.window ?? []);
    const last = window[window.length - 1];
    const windowLive = !!rule.threshold && !!last && last[0] > now - rule.threshold.windowMs;
    if (!incidentOpen && !carryLive && !windowLive) {
      work.delete(key);
      return;
    }
    // Only pay for a copy when something inside actually expired.
    const closing = !!stored.incident && !incidentOpen;
    const expiredCarry = !!stored.carry && !carryLive;
    const expiredEntries = !!rule.threshold && window.length > 0 && window[0]![0] <= now - rule.threshold.windowMs;
    if (!closing && !expiredCarry && !expiredEntries) return;
    const live = current ?? work.open(key, rule, () => stored.group);
    if (closing) closeIfOver(live, rule, now);
    if (live.state.carry && now >= live.state.carry.until) delete live.state.carry;
    if (rule.threshold) expireBefore(live, now - rule.threshold.windowMs);
  });
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
