import { compareLogIds, type LogEvent } from '../auth0/log-event.js';
import { eventMillis } from './event-time.js';
import type { Alert } from './alert.js';
import { RepeatBatches } from './alert-build.js';
import { rulesForCode, type CompiledRule, type RuleSet } from './compile.js';
import { MAX_GROUPS, evictOverflow } from './evict.js';
import { expiryOf } from './expiry.js';
import { REORDER_TOLERANCE_MS, type EvalContext } from './kinds/context.js';
import { evaluateCount } from './kinds/count.js';
import { evaluateNewValue } from './kinds/new-value.js';
import { evaluateSequence } from './kinds/sequence.js';
import { evaluateTravel } from './kinds/travel.js';
import { ProfileWork, type Profile, type ProfileMap } from './profiles.js';
import type { EngineState } from './state.js';
import { WorkingState } from './working-state.js';

export { CARRY_RETENTION_MS } from './incident.js';
export { REORDER_TOLERANCE_MS } from './kinds/context.js';

/**
 * Pruning lags the newest date by the reorder tolerance, so that an event
 * dated slightly earlier than ones already evaluated still sees what it would
 * have seen had it arrived in date order, whatever the page boundaries.
 */
export const PRUNE_LAG_MS = REORDER_TOLERANCE_MS;
/**
 * Pruning scans every group, so it runs when event time has moved this far
 * since the last scan rather than on every call: a page of 100 events would
 * otherwise pay for the whole state. It only frees memory (expired windows,
 * closed incidents, spent carries are ignored by evaluation anyway), so when
 * it runs does not change any alert; being driven by event time alone, it
 * also runs at the same events whatever the page boundaries. Five minutes:
 * with sequences remembering every failing user for their span, a scan every
 * minute cost a tenth of the evaluation.
 */
export const PRUNE_INTERVAL_MS = 5 * 60_000;

const NO_PROFILES: ProfileMap = new Map();

export interface Evaluation {
  alerts: Alert[];
  /** The state given, changed in place. */
  state: EngineState;
  /** Profiles this call changed (profile key → new profile), to store with the page. */
  profiles: Map<string, Profile>;
  /** Events whose evaluation threw (a bug, never expected), to report; the others were evaluated. */
  skipped: SkippedEvent[];
}

/**
 * Evaluates events against the rules: no I/O, no clock (time is each event's
 * `date`), no logging. The state is the caller's and is changed in place (the
 * returned `state` is the same object): copying what each call touched cost
 * more than evaluating. A caller that may discard an evaluation (its commit
 * failed) must evaluate again on the state as stored, or on a `cloneState`
 * taken before; the buckets written are noted for the serialiser
 * (`takeChangedBuckets`). The given profiles are not mutated.
 *
 * Events are taken in log_id order (a sorted copy): the order Auth0 pages
 * them, so the result does not depend on where pages split. Each event takes
 * effect at its own date: windows, sequences and travel points are kept in
 * date order, so an event arriving late (up to REORDER_TOLERANCE_MS) lands
 * where its date says (see window.ts and kinds/).
 *
 * Window: an event counts if its time is within (t - window, t]; an event
 * exactly `window` after the oldest one no longer sees that oldest one.
 * Incident: open while t < lastMatch + throttle.
 *
 * `profiles`: the per-key memory the events need (see profiles.ts and
 * `profileKeys`); the changed ones come back in `profiles`.
 */
export function evaluate(ruleSet: RuleSet, state: EngineState, events: readonly LogEvent[], profiles: ProfileMap = NO_PROFILES): Evaluation {
  const sorted = inLogIdOrder(events);
  const alerts: Alert[] = [];
  const skipped: SkippedEvent[] = [];
  const work = new WorkingState(state, ruleSet);
  const ctx: EvalContext = { work, alerts, repeats: new RepeatBatches(alerts), profiles: new ProfileWork(profiles) };

  for (const event of sorted) {
    const rules = rulesForCode(ruleSet, event.type);
    if (rules.length === 0) continue;
    const t = eventMillis(event);
    if (t > work.clock) {
      work.clock = t;
      const pruneAt = t - PRUNE_LAG_MS;
      if (pruneAt >= work.nextPruneAt) {
        prune(ruleSet, work, pruneAt);
        work.nextPruneAt = pruneAt + PRUNE_INTERVAL_MS;
      }
    }
    work.beginEvent();
    try {
      for (const rule of rules) evaluateRule(ctx, rule, event, t);
    } catch (error) {
      // One event must never fail the page (and so the poll cycle, again at every restart).
      skipped.push({ logId: event.log_id, problem: error instanceof Error ? error.message : String(error) });
    }
    work.settle();
    if (work.size > MAX_GROUPS) evictOverflow(ruleSet, work);
  }
  ctx.repeats.finish();
  return { alerts, state: work.finish(), profiles: ctx.profiles.changed, skipped };
}

/** An event whose evaluation threw (a bug, never expected): reported by the caller, not evaluated further. */
export interface SkippedEvent {
  logId: string;
  problem: string;
}

function evaluateRule(ctx: EvalContext, rule: CompiledRule, event: LogEvent, t: number): void {
  switch (rule.kind) {
    case 'sequence':
      return evaluateSequence(ctx, rule, event, t);
    case 'impossible_travel':
      return evaluateTravel(ctx, rule, event, t);
    case 'new_value':
      return evaluateNewValue(ctx, rule, event, t);
    default:
      return evaluateCount(ctx, rule, event, t);
  }
}

/**
 * Forgets what no later event can need as of `now` (lagging the clock): groups
 * of removed rules, and groups with no open incident, no live carry and no
 * live window or sequence entry (expiry.ts). Only the groups whose expiry
 * came due are looked at; a group still in use keeps its (expired) entries
 * until its next event trims them.
 */
function prune(ruleSet: RuleSet, work: WorkingState, now: number): void {
  for (let key = work.nextDue(now); key !== undefined; key = work.nextDue(now)) {
    const bucket = work.dueBucket;
    const group = work.peek(key, bucket);
    if (!group) continue;
    const expiry = expiryOf(ruleSet.byId.get(group.rule), group);
    if (expiry <= now) work.delete(key);
    else work.keepUntil(key, expiry, bucket);
  }
}

/** The events in log_id order (a sorted copy, or the input itself when already sorted: pages from the API usually are). */
function inLogIdOrder(events: readonly LogEvent[]): readonly LogEvent[] {
  let ascending = true;
  let descending = true;
  for (let i = 1; i < events.length && (ascending || descending); i++) {
    const order = compareLogIds(events[i - 1]!.log_id, events[i]!.log_id);
    if (order > 0) ascending = false;
    if (order < 0) descending = false;
  }
  if (ascending) return events; // only read
  if (descending) return events.slice().reverse();
  return events.slice().sort((a, b) => compareLogIds(a.log_id, b.log_id));
}
