import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { applyProfiles, evaluate, initialState, MAX_PROFILE_VALUES, PROFILE_RETENTION_MS, testLogId, type Alert, type Profile } from '../../src/engine/index.js';
import { T0, ruleSet } from '../helpers/engine-fixtures.js';

const DAY = 24 * 3_600_000;
let sequence = 0;
function login(at: number, country: string, user = 'auth0|alice'): LogEvent {
  sequence += 1;
  return {
    type: 's',
    ip: '198.51.100.7',
    user_id: user,
    user_name: `${user.slice(6)}@example.com`,
    location_info: { country_code: country, country_name: country },
    date: new Date(T0 + at).toISOString(),
    log_id: testLogId(T0, sequence),
  } as LogEvent;
}

const newCountry = ruleSet([
  { id: 'new-country', match: { codes: ['s'] }, new_value: { field: 'location_info.country_code', by: ['user_id'], learn: '14d' } },
]);

/** Evaluates event by event, carrying state and profiles as the poller does. */
function run(events: readonly LogEvent[], set = newCountry): Alert[] {
  let state = initialState();
  const profiles = new Map<string, Profile>();
  const alerts: Alert[] = [];
  for (const event of events) {
    const result = evaluate(set, state, [event], profiles);
    state = result.state;
    applyProfiles(profiles, result.profiles);
    alerts.push(...result.alerts);
  }
  return alerts;
}

describe('first-seen values', () => {
  it('learn a key for the learning period, then alert on a value never seen for it', () => {
    const events = [login(0, 'NL'), login(3 * DAY, 'FR'), login(20 * DAY, 'NL'), login(21 * DAY, 'DE'), login(22 * DAY, 'DE')];
    const alerts = run(events);
    expect(alerts.map((alert) => alert.event.log_id)).toEqual([events[3]!.log_id]);
    expect(alerts[0]).toMatchObject({
      reason: 'new_value',
      group: { user_id: 'auth0|alice' },
      newValue: { field: 'location_info.country_code', value: 'DE', known: ['NL', 'FR'], knownCount: 2, since: events[0]!.date },
    });
  });

  it('never alert on a key first seen (its first value is its baseline)', () => {
    expect(run([login(30 * DAY, 'NL', 'auth0|newcomer')])).toEqual([]);
  });

  it('without learn, alert on the second distinct value at once (one phone, a second user)', () => {
    const phone = ruleSet([{ id: 'phone', match: { codes: ['s'] }, new_value: { field: 'user_id', by: ['location_info.country_code'] } }]);
    const alerts = run([login(0, 'NL', 'auth0|alice'), login(1_000, 'NL', 'auth0|alice'), login(2_000, 'NL', 'auth0|bob')], phone);
    expect(alerts.map((alert) => alert.newValue)).toEqual([
      { field: 'user_id', value: 'auth0|bob', known: ['auth0|alice'], knownCount: 1, since: new Date(T0).toISOString() },
    ]);
  });

  it('forget values unseen for the retention period', () => {
    const events = [login(0, 'NL'), login(20 * DAY, 'FR'), login(60 * DAY, 'FR'), login(PROFILE_RETENTION_MS + DAY, 'NL'), login(PROFILE_RETENTION_MS + 2 * DAY, 'FR')];
    const alerts = run(events);
    // FR is new on day 20; on day 91 NL (last seen on day 0) is forgotten: new again; FR (day 60) is still known.
    expect(alerts.map((alert) => alert.newValue?.value)).toEqual(['FR', 'NL']);
    // A key unseen for the whole period is forgotten altogether: its next value is a new baseline.
    expect(run([login(0, 'NL'), login(20 * DAY, 'NL'), login(20 * DAY + PROFILE_RETENTION_MS, 'FR')])).toEqual([]);
  });

  it('keep at most MAX_PROFILE_VALUES values per key', () => {
    const events = [login(0, 'C0'), ...Array.from({ length: MAX_PROFILE_VALUES + 10 }, (_, i) => login(15 * DAY + i * 1_000, `C${i + 1}`))];
    const result = evaluate(newCountry, initialState(), events);
    const profile = [...result.profiles.values()][0] as Extract<Profile, { kind: 'values' }>;
    expect(Object.keys(profile.values)).toHaveLength(MAX_PROFILE_VALUES);
    expect(profile.values).not.toHaveProperty('C0');
  });

  it('give the same alerts whatever the page boundaries and with a late event', () => {
    const events = [login(0, 'NL'), login(15 * DAY, 'FR'), login(16 * DAY, 'FR'), login(15 * DAY - 60_000, 'BE'), login(17 * DAY, 'DE')];
    const whole = evaluate(newCountry, initialState(), events).alerts.filter((alert) => alert.kind === 'alert');
    expect(run(events).filter((alert) => alert.kind === 'alert')).toEqual(whole);
    expect(whole.map((alert) => alert.newValue?.value)).toEqual(['FR', 'BE', 'DE']);
  });
});

describe('profiles kept in memory (replay)', () => {
  it('keep the most recently changed keys up to the limit', async () => {
    const { keepProfiles } = await import('../../src/engine/index.js');
    const memory = new Map<string, Profile>();
    const profile = (seen: number): Profile => ({ kind: 'values', seen, since: seen, values: {} });
    keepProfiles(memory, new Map([['a', profile(1)], ['b', profile(2)], ['c', profile(3)]]), 3);
    keepProfiles(memory, new Map([['a', profile(4)]]), 3); // a is the most recent now
    keepProfiles(memory, new Map([['d', profile(5)]]), 3); // b, the least recently changed, goes
    expect([...memory.keys()]).toEqual(['c', 'a', 'd']);
  });
});
