// The engine as the intake drives it: one state object kept in memory from step to step (with the
// indexes and LiveGroups carried on it), written to the store in parts. page-boundaries.test.ts carries
// the state through JSON on every page, so none of that is exercised there. Same rules and traffic (test/helpers/invariance-traffic.ts).
import { describe, expect, it } from 'vitest';
import {
  applyProfiles,
  closeIncidents,
  restoreState,
  evaluate,
  initialState,
  stateGroups,
  type Alert,
  type EngineState,
  type Profile,
} from '../../src/engine/index.js';
import { engineStateParts, type BucketTexts } from '../../src/run/engine-evaluator.js';
import { assembleRuleState } from '../../src/state/rule-state-parts.js';
import { rules, traffic } from '../helpers/invariance-traffic.js';
import { seeded } from '../helpers/engine-traffic.js';
import { eventFactory, MINUTE, ruleSet } from '../helpers/engine-fixtures.js';



const firstAlerts = (alerts: Alert[]) =>
  alerts.filter((alert) => alert.kind === 'alert').map((alert) => [alert.incident, alert.count, alert.suppressed]);

describe('the engine state kept in memory from page to page', () => {
  it.each([
    ['dates in log_id order', 1, 0],
    ['dates five minutes out of log_id order', 3, 600_000],
  ])('gives the same alerts and state as one big batch (%s)', (_name, seed, skewMs) => {
    const events = traffic(seed, skewMs);
    const whole = evaluate(rules, initialState(), events);
    expect(firstAlerts(whole.alerts).length).toBeGreaterThan(10);
    const random = seeded(seed * 10);
    const state = initialState();
    const alerts: Alert[] = [];
    const profiles = new Map<string, Profile>();
    for (let i = 0; i < events.length; ) {
      const size = 1 + Math.floor(random() * 250);
      const result = evaluate(rules, state, events.slice(i, i + size), new Map(profiles));
      expect(result.state).toBe(state);
      alerts.push(...result.alerts);
      applyProfiles(profiles, result.profiles);
      i += size;
    }
    expect(firstAlerts(alerts)).toEqual(firstAlerts(whole.alerts));
    expect(stateGroups(state)).toEqual(stateGroups(whole.state));
  });

  /**
   * The store keeps one part per bucket and a commit writes only the buckets
   * written since the last one (takeChangedBuckets): a bucket written without
   * being noted would be stale on disk, and show only after a restart.
   * Resolves (closeIncidents) and failed commits (the state dropped, read
   * again from the parts) come in between, as they do in the intake.
   */
  it.each([1, 2, 3])('stores parts that always read back as exactly the state, with resolves and failed commits in between (seed %s)', (seed) => {
    const events = traffic(seed, seed === 1 ? 0 : 120_000);
    const random = seeded(seed * 7);
    const texts: BucketTexts = new WeakMap();
    let stored: { header: string; parts: string[] } | undefined;
    const read = () => (stored ? assembleRuleState(stored.header, 'buckets', stored.parts.map((body, part) => ({ part, body }))) : undefined);
    let state: EngineState = initialState();
    let parted = false;
    let failures = 0;
    let resolves = 0;
    for (let i = 0, step = 0; i < events.length; step++) {
      // A step with resolves only (a batch of events already seen) now and then: nothing else writes the buckets.
      const size = random() < 0.2 ? 0 : 1 + Math.floor(random() * 250);
      if (size === 0 || random() < 0.2) {
        const open = Object.values(stateGroups(state)).flatMap((group) => (group.incident ? [group.incident.id] : []));
        resolves += closeIncidents(state, open.filter(() => random() < 0.5)).closed.length;
      }
      const result = evaluate(rules, state, events.slice(i, i + size));
      const parts = engineStateParts(result.state, !parted, texts);
      if (step % 5 === 3) {
        // The commit failed: this state is dropped and the stored one read again (its first commit is complete).
        failures += 1;
        state = stored ? restoreState(read()) : initialState();
        parted = false;
        continue;
      }
      const next = { header: parts.header, parts: stored && !parts.complete ? [...stored.parts] : [] };
      for (const [index, text] of parts.parts) next.parts[index] = text!;
      stored = next;
      parted = true;
      expect(read()).toBe(JSON.stringify(result.state));
      state = result.state;
      i += size;
    }
    expect(failures).toBeGreaterThan(0);
    expect(resolves).toBeGreaterThan(0);
  });

  it('counts a group opened under rules since reloaded by the new rules, as a state read from the store would be', () => {
    const ev = eventFactory();
    const burst = (window: string) => ruleSet([{ id: 'burst', match: { codes: ['fp'] }, threshold: { count: 3, window, group_by: ['ip'] }, throttle: '1h' }]);
    const state = evaluate(burst('1m'), initialState(), [ev(0), ev(2 * MINUTE)]).state;
    const stored = restoreState(JSON.stringify(state));
    // Reloaded with a longer window: all three events are in it (the group's window kept from the 1m rule would hold two).
    const next = [ev(3 * MINUTE)];
    expect(evaluate(burst('10m'), stored, next).alerts.map((alert) => alert.count)).toEqual([3]);
    expect(evaluate(burst('10m'), state, next).alerts.map((alert) => alert.count)).toEqual([3]);
  });
});
