import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import {
  applyProfiles,
  evaluate,
  initialState,
  stateGroups,
  testLogId,
  type Alert,
  type EngineState,
  type Profile,
  type RuleSet,
} from '../../src/engine/index.js';
import { ruleSet, T0 } from '../helpers/engine-fixtures.js';
import { seeded } from '../helpers/engine-traffic.js';

const rules = ruleSet(
  [
    { id: 'brute', match: { codes: ['f', 'fp', 'fu'] }, threshold: { count: 8, window: '5m', group_by: ['ip'] }, throttle: '10m' },
    { id: 'stuffing', match: { codes: ['fp', 'fu'] }, threshold: { count: 5, window: '10m', group_by: ['ip'], distinct: 'user_name' } },
    { id: 'leak', match: { codes: ['pwd_leak'] }, throttle: { period: '1h', by: ['user_id', 'ip'] } },
    { id: 'wide', match: { codes: ['f'] }, throttle: '15m' },
    // Every other kind, so that each is held to the same invariance.
    {
      id: 'guessed',
      match: undefined,
      sequence: { by: ['user_id'], within: '10m', steps: [{ codes: ['f', 'fp', 'fu'], count: 3 }, { codes: ['s'] }] },
    },
    { id: 'travel', match: { codes: ['s'] }, impossible_travel: {}, throttle: '30m' },
    { id: 'new-country', match: { codes: ['s'] }, new_value: { field: 'location_info.country_code', by: ['user_id'], learn: '1h' } },
  ],
);

const CITIES = [
  { country_code: 'NL', city_name: 'Amsterdam', latitude: 52.37, longitude: 4.9 },
  { country_code: 'FR', city_name: 'Paris', latitude: 48.86, longitude: 2.35 },
  { country_code: 'AU', city_name: 'Sydney', latitude: -33.87, longitude: 151.21 },
  { country_code: 'US', city_name: 'New York', latitude: 40.71, longitude: -74.01 },
];

/**
 * Mixed failures and leaks from a few IPs and users, with quiet gaps long
 * enough for windows to expire and throttles to pass. `skewMs`: how far an
 * event's date may stray from its log_id's time (Auth0 ids and dates do not
 * agree exactly).
 */
function traffic(seed: number, skewMs: number): LogEvent[] {
  const random = seeded(seed);
  const codes = ['f', 'fp', 'fu', 'fp', 'fu', 'pwd_leak', 's', 's'];
  const events: LogEvent[] = [];
  let t = T0;
  for (let i = 1; i <= 4_000; i++) {
    t += random() < 0.01 ? Math.floor(random() * 3_600_000) : Math.floor(random() * 15_000);
    const date = t + Math.floor((random() - 0.5) * skewMs);
    const user = Math.floor(random() * 12);
    events.push({
      type: codes[Math.floor(random() * codes.length)]!,
      ip: `10.0.0.${Math.floor(random() * 4)}`,
      user_id: `auth0|u${user}`,
      user_name: `u${user}@example.com`,
      location_info: CITIES[(user + (random() < 0.1 ? 1 + Math.floor(random() * 3) : 0)) % CITIES.length],
      date: new Date(date).toISOString(),
      log_id: testLogId(t, i),
    } as LogEvent);
  }
  return events;
}

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
