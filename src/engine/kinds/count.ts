import type { LogEvent } from '../../auth0/log-event.js';
import { incidentId, matchedAlert, thresholdAlert } from '../alert-build.js';
import type { CompiledRule } from '../compile.js';
import { eventUser, valueText } from '../fields.js';
import { groupKey, groupKeyBucket } from '../group-key.js';
import { repeatIfOpen, takeCarry } from '../incident.js';
import { MAX_WINDOW_ENTRIES } from '../state.js';
import { clearWindow, denseWindowStart, expireBefore, insertEntry, keepWithin, newestDate } from '../window.js';
import { REORDER_TOLERANCE_MS, type EvalContext } from './context.js';

/** The group record of an event, made only when a group is created. */
function groupOf(rule: CompiledRule, event: LogEvent): Record<string, string | null> {
  const group: Record<string, string | null> = {};
  for (let i = 0; i < rule.groupGetters.length; i++) group[rule.groupBy[i]!] = valueText(rule.groupGetters[i]!(event));
  return group;
}

/**
 * Rules that alert on matching events: every event (no throttle), one
 * incident per throttle key, or once a group's window reaches a threshold.
 */
export function evaluateCount(ctx: EvalContext, rule: CompiledRule, event: LogEvent, t: number): void {
  if (!rule.matches(event)) return;
  const { work, alerts, repeats } = ctx;
  if (rule.throttleMs === undefined) {
    // No threshold, no throttle: every event is its own incident; nothing to remember.
    const group = groupOf(rule, event);
    alerts.push(matchedAlert(rule, event, t, incidentId(rule, group, event.log_id), group, 0));
    return;
  }

  const key = groupKey(rule, event);
  const bucket = groupKeyBucket(rule, key);
  const threshold = rule.threshold;
  const distinctValue = threshold?.distinct ? valueText(threshold.distinct(event)) : null;
  // An event without the distinct value can never count towards a distinct threshold: it opens no group.
  if (threshold?.distinct && distinctValue === null && !work.peek(key, bucket)?.incident) return;

  const live = work.open(key, rule, groupOf, rule, event, bucket);
  if (repeatIfOpen(live, rule, event, t, repeats)) return;

  if (!threshold) {
    const id = incidentId(rule, live.state.group, event.log_id);
    live.state.incident = { id, lastMatch: t, count: 1, repeats: 0 };
    alerts.push(matchedAlert(rule, event, t, id, live.state.group, takeCarry(live, t)));
    return;
  }
  if (threshold.distinct && distinctValue === null) return;

  const { count, windowMs } = threshold;
  expireBefore(live, Math.max(newestDate(live) ?? t, t) - windowMs - REORDER_TOLERANCE_MS);
  const index = insertEntry(live, [t, event.log_id, distinctValue, eventUser(event), valueText(event.ip, 120), 1, event.type], windowMs);
  const start = denseWindowStart(live, index, windowMs, count, !!threshold.distinct);
  if (start < 0) {
    keepWithin(live, MAX_WINDOW_ENTRIES, !!threshold.distinct);
    return;
  }

  const entries = live.state.window!.slice(start);
  const id = incidentId(rule, live.state.group, entries[0]![1]);
  clearWindow(live);
  const alert = thresholdAlert(rule, { incident: id, group: live.state.group, entries, event, suppressed: takeCarry(live, t) });
  live.state.incident = { id, lastMatch: entries[entries.length - 1]![0], count: alert.count, repeats: 0 };
  alerts.push(alert);
}
