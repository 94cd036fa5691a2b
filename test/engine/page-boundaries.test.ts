import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import {
  applyProfiles,
  evaluate,
  initialState,
  stateGroups,
  type Alert,
  type EngineState,
  type Profile,
  type RuleSet,
} from '../../src/engine/index.js';
import { rules, traffic } from '../helpers/invariance-traffic.js';
import { seeded } from '../helpers/engine-traffic.js';


/**
 * Evaluates in pages of random size, carrying the state through JSON as the
 * poller stores it, and the profiles as the store keeps them.
 */
function inPages(set: RuleSet, events: readonly LogEvent[], seed: number): { alerts: Alert[]; state: EngineState; profiles: Map<string, Profile> } {
  const random = seeded(seed);
  let state = initialState();
  const alerts: Alert[] = [];
  const profiles = new Map<string, Profile>();
  for (let i = 0; i < events.length; ) {
    const size = 1 + Math.floor(random() * 250);
    const stored = new Map<string, Profile>(JSON.parse(JSON.stringify([...profiles])));
    const result = evaluate(set, JSON.parse(JSON.stringify(state)), events.slice(i, i + size), stored);
    alerts.push(...result.alerts);
    state = result.state;
    applyProfiles(profiles, result.profiles);
    i += size;
  }
  return { alerts, state, profiles };
}

const firstAlerts = (alerts: Alert[]) =>
  alerts.filter((alert) => alert.kind === 'alert').map((alert) => [alert.incident, alert.count, alert.suppressed]);
const counted = (alerts: Alert[]) => alerts.reduce((sum, alert) => sum + alert.count, 0);

describe('page boundaries', () => {
  it.each([
    // dates in log_id order
    ['dates in log_id order', 1, 0],
    // dates up to ±1 minute off their log_id's time: pruning at a page end must not
    // forget what a later, slightly earlier-dated event still needs
    ['dates a minute out of log_id order', 2, 120_000],
    // up to ±5 minutes: still within the reorder tolerance
    ['dates five minutes out of log_id order', 3, 600_000],
  ])('give the same alerts, counts and reported log ids as one big batch (%s)', (_name, seed, skewMs) => {
    const events = traffic(seed, skewMs);
    const { alerts: whole, state: wholeState, profiles: wholeProfiles } = evaluate(rules, initialState(), events);
    expect(firstAlerts(whole).length).toBeGreaterThan(10);
    // Every kind fires in this traffic, so each is held to the invariance.
    expect(new Set(whole.filter((alert) => alert.kind === 'alert').map((alert) => alert.ruleId))).toEqual(
      new Set(['brute', 'stuffing', 'leak', 'wide', 'guessed', 'travel', 'new-country']),
    );
    for (const pageSeed of [seed * 10, seed * 10 + 1]) {
      const { alerts: paged, state, profiles } = inPages(rules, events, pageSeed);
      // Pruning is driven by event time alone, so even the state ends up the same.
      expect(stateGroups(state)).toEqual(stateGroups(wholeState));
      expect(profiles).toEqual(wholeProfiles);
      expect(firstAlerts(paged)).toEqual(firstAlerts(whole));
      expect(counted(paged)).toBe(counted(whole));
      // Each log id is reported once per rule, whatever the batching of repeats.
      const reported = paged.flatMap((alert) => alert.logIds.map((id) => `${alert.ruleId} ${id}`));
      expect(new Set(reported).size).toBe(reported.length);
    }
  });
});
