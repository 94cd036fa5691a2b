// Rules of every kind and mixed traffic for the engine's invariance tests
// (page-boundaries.test.ts, in-memory-state.test.ts).
import type { LogEvent } from '../../src/auth0/log-event.js';
import { testLogId } from '../../src/engine/index.js';
import { ruleSet, T0 } from './engine-fixtures.js';
import { seeded } from './engine-traffic.js';

export const rules = ruleSet(
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
export function traffic(seed: number, skewMs: number): LogEvent[] {
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
