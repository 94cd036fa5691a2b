import type { LogEvent } from '../../auth0/log-event.js';
import { incidentId, matchedAlert } from '../alert-build.js';
import type { AlertParts } from '../alert-build.js';
import type { CompiledRule } from '../compile.js';
import { groupKeyOf, groupRecord } from '../group-key.js';
import { repeatIfOpen, takeCarry } from '../incident.js';
import type { EvalContext } from './context.js';

const givenGroup = (group: Record<string, string | null>): Record<string, string | null> => group;

/**
 * Reports a detection of a profile kind (an impossible journey, a new value)
 * for a key: a new incident's alert, or — while the key's incident is open
 * (the rule's throttle) — a repeat in its thread. Only detections touch the
 * engine state; the key's memory itself lives in its profile.
 */
export function reportDetection(
  ctx: EvalContext,
  rule: CompiledRule,
  values: ReadonlyArray<string | null>,
  event: LogEvent,
  t: number,
  extra: Pick<AlertParts, 'reason'> & Partial<Pick<AlertParts, 'travel' | 'newValue'>>,
): void {
  const group = groupRecord(rule.groupBy, values);
  if (rule.throttleMs === undefined) {
    ctx.alerts.push(matchedAlert(rule, event, t, incidentId(rule, group, event.log_id), group, 0, extra));
    return;
  }
  const key = groupKeyOf(rule.id, values);
  const live = ctx.work.open(key, rule, givenGroup, group, null);
  if (!repeatIfOpen(live, rule, event, t, ctx.repeats)) {
    const id = incidentId(rule, live.state.group, event.log_id);
    live.state.incident = { id, lastMatch: t, count: 1, repeats: 0 };
    ctx.alerts.push(matchedAlert(rule, event, t, id, live.state.group, takeCarry(live, t), extra));
  }
}
