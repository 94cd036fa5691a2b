import type { LogEvent } from '../../auth0/log-event.js';
import { incidentId } from '../alert-build.js';
import { sequenceAlert } from '../alert-build-kinds.js';
import type { CompiledRule } from '../compile.js';
import { valueText } from '../fields.js';
import { groupKeyOf, groupKeyOfPresent, groupRecord } from '../group-key.js';
import { repeatIfOpen, takeCarry } from '../incident.js';
import { MAX_SEQUENCE_ENTRIES, type StepEntry } from '../state.js';
import type { LiveGroup } from '../working-state.js';
import { REORDER_TOLERANCE_MS, type EvalContext } from './context.js';
import { stepEntry } from './sequence-entry.js';

const NO_STEPS: readonly StepEntry[] = [];
/** Stands for the values of a later step's event (they are never read: its group is not created). */
const NO_VALUES: Array<string | null> = [];

/**
 * Sequences: ordered steps for one key within `within`, by event time. A key's
 * events of any step are kept in date order; the sequence completes when, in
 * the span of `within` ending at an event of the last step, the events go
 * through every step in order (each step's `count` events, then the next
 * step's). Because events are placed by date, a success that arrives before a
 * late failure dated earlier still completes it, and a success dated before
 * the failures does not.
 *
 * A key is only remembered while one of its first step's events is held (a
 * success alone stores nothing, nor does one after the failures expired:
 * logins would otherwise fill the state and keep each other alive); a
 * last-step event that arrives more than REORDER_TOLERANCE_MS before the
 * first step's events is therefore not matched.
 */
export function evaluateSequence(ctx: EvalContext, rule: CompiledRule, event: LogEvent, t: number): void {
  const sequence = rule.sequence!;
  const codeSteps = sequence.stepsWithCode(event.type);
  if (codeSteps === 0) return;
  const steps = sequence.steps;
  // Usually every step keys the event the same way: one key, the steps it matches as a bit mask
  // (a Map only when steps key it differently).
  let firstKey: string | undefined;
  let firstHeld: LiveGroup | undefined;
  let firstValues = NO_VALUES;
  let firstMask = 0;
  let others: Map<string, { values: Array<string | null>; mask: number }> | undefined;
  const groups = ctx.work.sequenceGroups();
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    if ((codeSteps & (1 << s)) === 0 || !step.matches(event)) continue;
    const first = valueText(step.keyGetters[0]!(event));
    if (first === null) continue; // an event without the key joins nothing
    // Only a first-step event may create its group and so needs the values as an array; a later
    // step's event (most are logins) only looks its group up, by the key string alone.
    let values: Array<string | null> | undefined = NO_VALUES;
    let key: string | undefined;
    let held: LiveGroup | undefined;
    if (step.keyGetters.length === 1) {
      // The held group (its LiveGroup, else its key) comes from the index: no key string built and hashed per event.
      const group = groups.groupOf(rule.id, first);
      if (typeof group === 'string') key = group;
      else if (group !== undefined) {
        key = group.key;
        if (group.rule === rule) held = group; // (else it is opened afresh by its key)
      }
      if (s === 0) key ??= groupKeyOf(rule.id, (values = [first]));
      else if (key === undefined) continue; // a later step's event of a key that never started the sequence
    } else {
      if (s > 0 && !groups.has(rule.id, first)) continue; // the same, answered before building the key
      if (s === 0) {
        values = keyValues(step.keyGetters, event, first);
        if (values) key = groupKeyOf(rule.id, values);
      } else key = groupKeyOfPresent(rule.id, step.keyGetters, event, first);
    }
    if (key === undefined || !values) continue;
    if (firstKey === undefined) {
      firstKey = key;
      firstHeld = held;
      firstValues = values; // steps go in order: a key's first-step values, when it has any, come first
    }
    if (key === firstKey) {
      firstMask |= 1 << s;
      continue;
    }
    others ??= new Map();
    const seen = others.get(key);
    if (seen) seen.mask |= 1 << s;
    else others.set(key, { values, mask: 1 << s });
  }
  if (firstKey === undefined) return;
  evaluateKey(ctx, rule, firstKey, firstHeld, firstValues, firstMask, event, t);
  if (others) for (const [key, { values, mask }] of others) evaluateKey(ctx, rule, key, undefined, values, mask, event, t);
}

/** The event's key values for a step (the first already read), or undefined when one is absent. */
function keyValues(getters: CompiledRule['groupGetters'], event: LogEvent, first: string): Array<string | null> | undefined {
  const values: Array<string | null> = new Array<string | null>(getters.length);
  values[0] = first;
  for (let i = 1; i < getters.length; i++) {
    const value = valueText(getters[i]!(event));
    if (value === null) return undefined;
    values[i] = value;
  }
  return values;
}

function evaluateKey(
  ctx: EvalContext,
  rule: CompiledRule,
  key: string,
  held: LiveGroup | undefined,
  values: Array<string | null>,
  mask: number,
  event: LogEvent,
  t: number,
): void {
  const { work, repeats } = ctx;
  // An event of a later step only extends a key that started the sequence: one look-up (none when
  // the index held the group's LiveGroup), no group made.
  const live = held ? work.openHeld(held) : (mask & 1) === 0 ? work.openExisting(key, rule) : work.open(key, rule, groupRecord, rule.groupBy, values);
  if (!live) return; // not started: nothing to remember
  if (repeatIfOpen(live, rule, event, t, repeats)) return;

  const sequence = rule.sequence!;
  const withinMs = sequence.withinMs;
  let entries = live.state.steps ?? NO_STEPS;
  const newest = Math.max(entries.length > live.head ? entries[entries.length - 1]![0] : t, t);
  if (live.firstSteps < 0) live.firstSteps = countFirstSteps(entries, live.head, entries.length);
  moveHead(live, entries, firstDatedAfter(entries, live.head, entries.length, newest - withinMs - REORDER_TOLERANCE_MS));
  const readable = live.firstSteps === 0 ? -1 : firstReadable(entries, live.head, ctx.work.clock - REORDER_TOLERANCE_MS);
  if (readable >= 0) live.head = readable; // only later steps' entries are passed
  // A later step's event extends a key only while one of its first step's events is held: held
  // logins alone (their failures expired) would keep each other — and the group — alive for as
  // long as the user keeps logging in, as if the sequence had started. Same as a key never started.
  else if ((mask & 1) === 0) return;

  const finalBit = 1 << (sequence.steps.length - 1);
  const entry = stepEntry(rule, event, t, mask, (mask & finalBit) !== 0);
  let index = entries.length;
  while (index > live.head && (entries[index - 1]![0] > t || (entries[index - 1]![0] === t && entries[index - 1]![1] > event.log_id))) index -= 1;
  if (index === entries.length) index = appendStepEntry(live, entry);
  else {
    live.state.steps!.splice(index, 0, entry);
  }
  entries = live.state.steps!;
  if ((mask & 1) !== 0) live.firstSteps += 1;
  if (entries.length - live.head > MAX_SEQUENCE_ENTRIES) moveHead(live, entries, entries.length - MAX_SEQUENCE_ENTRIES);
  // Fewer first-step events held than the first step counts: no span can complete (completion()
  // would say so for each; most logins of a user with a few failures held end here).
  if (live.firstSteps < sequence.steps[0]!.count) return;
  index = Math.max(index, live.head);

  // Every last-step event whose span contains the new one may now be complete (in date order, the first wins).
  for (let end = index; end < entries.length && entries[end]![0] < t + withinMs; end++) {
    if ((entries[end]![2] & finalBit) === 0) continue;
    const match = completion(live, rule, end);
    if (match) {
      fire(ctx, rule, live, match, event, t);
      return;
    }
  }
}

/** Appends an entry to the key's steps; returns its index (its own function: see appendWindowEntry in window.ts). */
function appendStepEntry(live: LiveGroup, entry: StepEntry): number {
  const state = live.state;
  const list = state.steps;
  if (list) return list.push(entry) - 1;
  state.steps = [entry];
  return 0;
}

/** How many entries in [from, to) are first-step events. */
function countFirstSteps(entries: readonly StepEntry[], from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if ((entries[i]![2] & 1) !== 0) count += 1;
  return count;
}

/** Passes the entries before `to` (expired or beyond the cap), keeping the group's count of first-step entries. */
function moveHead(live: LiveGroup, entries: readonly StepEntry[], to: number): void {
  if (to <= live.head) return;
  live.firstSteps -= countFirstSteps(entries, live.head, to);
  live.head = to;
}

/**
 * Index of the first held entry from `from` that a later event can still read,
 * or -1 when no first-step entry is held (the key is not started). Later steps'
 * entries (logins) before the first first-step entry and dated before
 * `oldestInTolerance` (the clock less the reorder tolerance) are past: only a
 * first-step event dated before them could put them in a completed span, and
 * it would be later than the tolerance. Dropping them keeps a user who logs
 * in often and fails now and then from holding every login for the whole
 * span plus the tolerance (most of the sequence state on the bench traffic).
 */
function firstReadable(entries: readonly StepEntry[], from: number, oldestInTolerance: number): number {
  let readable = -1;
  for (let i = from; i < entries.length; i++) {
    const entry = entries[i]!;
    if ((entry[2] & 1) !== 0) return readable < 0 ? i : readable;
    if (readable < 0 && entry[0] >= oldestInTolerance) readable = i;
  }
  return -1;
}

/**
 * Index of the first entry in [from, to) dated after `cutoff` (entries are in
 * date order), else `to`. Usually none or one has expired: the first entry is
 * looked at before searching (each entry read is a cache miss, most logins'
 * groups being idle since the user's last login).
 */
function firstDatedAfter(entries: readonly StepEntry[], from: number, to: number, cutoff: number): number {
  if (from === to || entries[from]![0] > cutoff) return from;
  let lo = from + 1;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]![0] > cutoff) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Whether the events of entries lo..end go through every step in order: the
 * greedy walk of `completion` without recording anything (events of a step
 * without `distinct` are counted; a distinct step needs the full walk).
 */
function completes(entries: readonly StepEntry[], lo: number, end: number, { steps, eventsNeeded }: NonNullable<CompiledRule['sequence']>): boolean {
  if (end - lo + 1 < eventsNeeded) return false;
  for (const step of steps) if (step.distinct) return true;
  let step = 0;
  let counted = 0;
  for (let i = lo; i <= end; i++) {
    if ((entries[i]![2] & (1 << step)) === 0) continue;
    counted += 1;
    if (counted >= steps[step]!.count) {
      step += 1;
      counted = 0;
      if (step === steps.length) return true;
    }
  }
  return false;
}

/** Where a completed sequence starts and ends, and which step each event of the span counted for (-1: none). */
export interface Completion {
  start: number;
  end: number;
  stepOf: number[];
}

/**
 * Greedy match over the key's events in the `within` span ending at entry
 * `end`: the earliest events complete each step, which finds a completion
 * whenever one exists. Events of an already completed step count as extras of
 * that step (the message shows every failure, not just the first five).
 */
function completion(live: LiveGroup, rule: CompiledRule, end: number): Completion | undefined {
  const sequence = rule.sequence!;
  const { withinMs, steps } = sequence;
  const entries = live.state.steps!;
  // Most logins after a few failures cannot complete it: fewer entries are held than the steps take
  // (answered before reading any entry: each is a likely cache miss; its only caller, evaluateKey, has
  // already checked the count of first-step events), or the walk says so (before allocating anything).
  if (end - live.head + 1 < sequence.eventsNeeded) return undefined;
  const lo = firstDatedAfter(entries, live.head, end, entries[end]![0] - withinMs);
  if (!completes(entries, lo, end, sequence)) return undefined;
  let step = 0;
  let counted = 0;
  let seen = steps[0]!.distinct ? new Set<string>() : undefined;
  let start = -1;
  const stepOf: number[] = [];
  for (let i = lo; i <= end; i++) {
    const mask = entries[i]![2];
    if (mask & (1 << step)) {
      if (start < 0) start = i;
      stepOf.push(step);
      // A distinct step counts each value once; an event without the value counts for nothing.
      const value = entries[i]![7];
      if (!seen) counted += 1;
      else if (value !== undefined && value !== null) seen.add(value);
      if ((seen ? seen.size : counted) >= steps[step]!.count) {
        step += 1;
        counted = 0;
        if (step === steps.length) return { start, end: i, stepOf };
        seen = steps[step]!.distinct ? new Set<string>() : undefined;
      }
      continue;
    }
    if (start < 0) continue;
    let extra = -1;
    for (let s = step - 1; s >= 0 && extra < 0; s--) if (mask & (1 << s)) extra = s;
    stepOf.push(extra);
  }
  return undefined;
}

function fire(ctx: EvalContext, rule: CompiledRule, live: LiveGroup, match: Completion, event: LogEvent, t: number): void {
  const entries = live.state.steps!;
  // The reported span: from the first counted event to the newest held (later ones would be repeats anyway).
  const reported = entries.slice(match.start);
  const stepOf = [...match.stepOf];
  for (let i = match.end + 1; i < entries.length; i++) stepOf.push(-1);
  live.state.steps = [];
  live.head = 0;
  live.firstSteps = 0;
  const id = incidentId(rule, live.state.group, reported[0]![1]);
  const alert = sequenceAlert(rule, { incident: id, group: live.state.group, entries: reported, stepOf, event, suppressed: takeCarry(live, t) });
  live.state.incident = { id, lastMatch: reported[reported.length - 1]![0], count: alert.count, repeats: 0 };
  ctx.alerts.push(alert);
}
