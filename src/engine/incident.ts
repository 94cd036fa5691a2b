import type { LogEvent } from '../auth0/log-event.js';
import type { RepeatBatches } from './alert-build.js';
import type { CompiledRule } from './compile.js';
import type { LiveGroup } from './working-state.js';

/**
 * How long a closed incident's repeat count waits for the group's next alert
 * (which reports it as `suppressed`): a day, or the throttle if longer. A bound
 * is needed so that state does not keep every group ever seen.
 */
export const CARRY_RETENTION_MS = 24 * 3_600_000;

export function carryUntil(closedAt: number, throttleMs: number): number {
  return closedAt + Math.max(throttleMs, CARRY_RETENTION_MS);
}

/** Closes the group's incident when `t` is past its throttle, keeping its repeat count as a carry. */
export function closeIfOver(live: LiveGroup, rule: CompiledRule, t: number): void {
  const incident = live.state.incident;
  if (!incident || rule.throttleMs === undefined || t < incident.lastMatch + rule.throttleMs) return;
  const end = incident.lastMatch + rule.throttleMs;
  live.state.incident = undefined;
  if (incident.repeats > 0) live.state.carry = { suppressed: incident.repeats, until: carryUntil(end, rule.throttleMs) };
}

/** The repeats of the group's previous incident, reported (once) by the alert opening the next one. */
export function takeCarry(live: LiveGroup, t: number): number {
  const carry = live.state.carry;
  live.state.carry = undefined;
  return carry && t < carry.until ? carry.suppressed : 0;
}

/**
 * Closes the group's incident if its throttle is over; while it is still open,
 * the event is a repeat in its thread (counted, batched for the thread reply)
 * and the answer is true: the caller must not alert.
 */
export function repeatIfOpen(live: LiveGroup, rule: CompiledRule, event: LogEvent, t: number, repeats: RepeatBatches): boolean {
  closeIfOver(live, rule, t);
  const incident = live.state.incident;
  if (!incident) return false;
  incident.lastMatch = Math.max(incident.lastMatch, t);
  incident.count += 1;
  incident.repeats += 1;
  repeats.add(rule, incident, live.state.group, event, t);
  return true;
}
