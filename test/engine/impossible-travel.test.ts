import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import {
  applyProfiles,
  evaluate,
  initialState,
  MAX_PROFILE_AGENT_LENGTH,
  PROFILE_RETENTION_MS,
  profileKeys,
  testLogId,
  type Alert,
  type Profile,
} from '../../src/engine/index.js';
import { distanceKm } from '../../src/engine/kinds/geo.js';
import { MINUTE, T0, ruleSet } from '../helpers/engine-fixtures.js';

const HOUR = 60 * MINUTE;
const PLACES = {
  amsterdam: { city_name: 'Amsterdam', country_name: 'Netherlands', country_code: 'NL', latitude: 52.3676, longitude: 4.9041 },
  paris: { city_name: 'Paris', country_name: 'France', country_code: 'FR', latitude: 48.8566, longitude: 2.3522 },
  newYork: { city_name: 'New York', country_name: 'United States', country_code: 'US', latitude: 40.7128, longitude: -74.006 },
  sydney: { city_name: 'Sydney', country_name: 'Australia', country_code: 'AU', latitude: -33.8688, longitude: 151.2093 },
};

let sequence = 0;
function login(at: number, place: keyof typeof PLACES | null, fields: Record<string, unknown> = {}): LogEvent {
  sequence += 1;
  return {
    type: 's',
    ip: place === 'sydney' ? '203.0.113.50' : '198.51.100.7',
    user_id: 'auth0|alice',
    user_name: 'alice@example.com',
    ...(place ? { location_info: { ...PLACES[place], time_zone: 'Europe/Amsterdam' } } : {}),
    ...fields,
    date: new Date(T0 + at).toISOString(),
    log_id: testLogId(T0, sequence),
  } as LogEvent;
}

const travel = ruleSet([{ id: 'travel', match: { codes: ['s'] }, impossible_travel: {}, throttle: '1h' }]);
const fired = (alerts: Alert[]) => alerts.filter((alert) => alert.kind === 'alert');

describe('impossible travel', () => {
  it('measures great-circle distances (haversine) close to published figures', () => {
    // Amsterdam–Sydney ≈ 16,640 km, Amsterdam–Paris ≈ 430 km, Amsterdam–New York ≈ 5,860 km.
    const { amsterdam: a, sydney: s, paris: p, newYork: n } = PLACES;
    expect(distanceKm(a.latitude, a.longitude, s.latitude, s.longitude)).toBeCloseTo(16_640, -2);
    expect(distanceKm(a.latitude, a.longitude, p.latitude, p.longitude)).toBeCloseTo(430, -1);
    expect(distanceKm(a.latitude, a.longitude, n.latitude, n.longitude)).toBeCloseTo(5_860, -2);
  });

  it('alerts on two logins of one user too far apart for the time between them, naming both places, times and the speed', () => {
    const from = login(0, 'amsterdam');
    const to = login(HOUR, 'sydney');
    const { alerts, profiles } = evaluate(travel, initialState(), [from, to]);
    expect(fired(alerts)).toHaveLength(1);
    const { travel: journey } = alerts[0]!;
    expect(alerts[0]).toMatchObject({ reason: 'impossible_travel', group: { user_id: 'auth0|alice' }, logIds: [to.log_id], count: 1 });
    expect(journey).toMatchObject({
      from: { date: from.date, place: 'Amsterdam, Netherlands', ip: '198.51.100.7', latitude: 52.3676 },
      to: { date: to.date, place: 'Sydney, Australia', ip: '203.0.113.50' },
      minDistanceKm: 500,
      minSpeedKmh: 1_000,
    });
    expect(journey!.distanceKm).toBeGreaterThan(16_500);
    expect(journey!.speedKmh).toBe(journey!.distanceKm); // one hour
    expect(profiles.size).toBe(1);
  });

  it.each([
    ['a short trip (Amsterdam → Paris in an hour: 430 km)', [login(0, 'amsterdam'), login(HOUR, 'paris')]],
    ['a long trip slow enough (Amsterdam → New York in 10 hours: 586 km/h)', [login(0, 'amsterdam'), login(10 * HOUR, 'newYork')]],
    ['logins without a location', [login(0, 'amsterdam'), login(HOUR, null), login(2 * HOUR, null)]],
    ['two users far apart', [login(0, 'amsterdam'), login(HOUR, 'sydney', { user_id: 'auth0|bob' })]],
    ['a 0,0 placeholder location', [login(0, 'amsterdam'), login(HOUR, null, { location_info: { latitude: 0, longitude: 0 } })]],
  ])('stays quiet for %s', (_name, events) => {
    expect(evaluate(travel, initialState(), events).alerts).toEqual([]);
  });

  it('honours the rule bounds', () => {
    const strict = ruleSet([{ id: 'travel', match: { codes: ['s'] }, impossible_travel: { min_distance_km: 300, min_speed_kmh: 200 } }]);
    expect(fired(evaluate(strict, initialState(), [login(0, 'amsterdam'), login(HOUR, 'paris')]).alerts)).toHaveLength(1);
  });

  it("names each login's user agent: the earlier one comes from the profile, cut to a bounded length", () => {
    const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
    const first = evaluate(travel, initialState(), [login(0, 'amsterdam', { user_agent: CHROME_MAC })]);
    const [stored] = [...first.profiles.values()];
    expect(stored).toMatchObject({ kind: 'travel', points: [[T0, 52.3676, 4.9041, '198.51.100.7', 'Amsterdam, Netherlands', CHROME_MAC]] });
    // A later page (the profile read back from the store) brings the scripted login.
    const { alerts } = evaluate(travel, first.state, [login(HOUR, 'sydney', { user_agent: 'python-requests/2.31.0' })], first.profiles);
    expect(alerts[0]!.travel).toMatchObject({ from: { userAgent: CHROME_MAC }, to: { userAgent: 'python-requests/2.31.0' } });
    // A login without one says so (null), and an overlong one is cut to MAX_PROFILE_AGENT_LENGTH.
    const bare = evaluate(travel, initialState(), [login(0, 'amsterdam'), login(HOUR, 'sydney', { user_agent: `Mozilla/5.0 ${'x'.repeat(1_000)}` })]).alerts[0]!.travel!;
    expect(bare.from.userAgent).toBeNull();
    expect(bare.to.userAgent).toHaveLength(MAX_PROFILE_AGENT_LENGTH);
  });

  it('still reads a profile stored before user agents were kept (five-value points): the earlier agent is absent, not null', () => {
    const first = evaluate(travel, initialState(), [login(0, 'amsterdam', { user_agent: 'Mozilla/5.0' })]);
    const [[key, profile]] = [...first.profiles] as [[string, Profile]];
    const old = { kind: 'travel', seen: profile.seen, points: [[T0, 52.3676, 4.9041, '198.51.100.7', 'Amsterdam, Netherlands']] } as Profile;
    const { alerts, profiles } = evaluate(travel, first.state, [login(HOUR, 'sydney', { user_agent: 'python-requests/2.31.0' })], new Map([[key, old]]));
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.travel!.from).not.toHaveProperty('userAgent');
    expect(alerts[0]!.travel!.from).toMatchObject({ place: 'Amsterdam, Netherlands', ip: '198.51.100.7' });
    expect(alerts[0]!.travel!.to.userAgent).toBe('python-requests/2.31.0');
    // The new login is stored the new way (the old one, an hour older, falls out of the reorder tolerance).
    expect(profiles.get(key)).toMatchObject({ points: [[T0 + HOUR, -33.8688, 151.2093, '203.0.113.50', 'Sydney, Australia', 'python-requests/2.31.0']] });
  });

  it('compares a login arriving late with the one after it in time', () => {
    const later = login(HOUR, 'sydney');
    const earlier = login(0, 'amsterdam');
    const { alerts } = evaluate(travel, initialState(), [later, earlier]);
    expect(fired(alerts)).toHaveLength(1);
    // The journey still goes from the earlier login to the later one.
    expect(alerts[0]!.travel).toMatchObject({ from: { place: 'Amsterdam, Netherlands' }, to: { place: 'Sydney, Australia' } });
  });

  it('keeps its memory in profiles: read from the map given, changes returned, state untouched by logins', () => {
    const first = evaluate(travel, initialState(), [login(0, 'amsterdam')]);
    expect(first.alerts).toEqual([]);
    expect(first.state.size).toBe(0);
    const next = [login(HOUR, 'sydney')];
    expect(profileKeys(travel, next)).toEqual([...first.profiles.keys()]);
    // Without its profile the second login has nothing to compare with …
    expect(evaluate(travel, initialState(), next).alerts).toEqual([]);
    // … with it, the journey is found.
    expect(fired(evaluate(travel, first.state, next, first.profiles).alerts)).toHaveLength(1);
  });

  it('forgets a profile unseen for the retention period', () => {
    const first = evaluate(travel, initialState(), [login(0, 'amsterdam')]);
    const muchLater = [login(PROFILE_RETENTION_MS + HOUR, 'sydney')];
    expect(evaluate(travel, first.state, muchLater, first.profiles).alerts).toEqual([]);
  });

  it('gives the same alerts and profiles whatever the page boundaries', () => {
    const places = ['amsterdam', 'paris', 'sydney', 'newYork', 'amsterdam', 'sydney'] as const;
    const events = places.flatMap((place, i) => [login(i * 3 * HOUR, place), login(i * 3 * HOUR + 10 * MINUTE, place, { user_id: 'auth0|bob' })]);
    const whole = evaluate(travel, initialState(), events);
    for (const size of [1, 3, 5]) {
      let state = initialState();
      const profiles = new Map<string, Profile>();
      const alerts: Alert[] = [];
      for (let i = 0; i < events.length; i += size) {
        const result = evaluate(travel, state, events.slice(i, i + size), profiles);
        state = result.state;
        applyProfiles(profiles, result.profiles);
        alerts.push(...result.alerts);
      }
      expect(fired(alerts)).toEqual(fired(whole.alerts));
      expect(profiles).toEqual(whole.profiles);
    }
    expect(fired(whole.alerts).length).toBeGreaterThan(2);
  });
});
