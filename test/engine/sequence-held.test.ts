import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { REORDER_TOLERANCE_MS, evaluate, initialState, testLogId } from '../../src/engine/index.js';
import { PLACES_KEPT, placeOf } from '../../src/engine/kinds/sequence-entry.js';
import { StateBucket } from '../../src/engine/state-bucket.js';
import type { EngineState } from '../../src/engine/state.js';
import { MINUTE, SECOND, T0, ruleSet } from '../helpers/engine-fixtures.js';
import { seeded } from '../helpers/engine-traffic.js';
import { rules, traffic } from '../helpers/invariance-traffic.js';

// What a sequence key holds between events: which logins are kept, and how their entries are made.

let arrivals = 0;
/** An event dated `at` ms after T0, arriving as the next log id (whatever its date). */
function arriving(at: number, fields: Record<string, unknown>): LogEvent {
  arrivals += 1;
  return { user_id: 'auth0|alice', user_name: 'alice@example.com', ip: '203.0.113.7', ...fields, date: new Date(T0 + at).toISOString(), log_id: testLogId(T0, arrivals) } as LogEvent;
}
const failure = (at: number) => arriving(at, { type: 'fp' });
const success = (at: number, fields: Record<string, unknown> = {}) => arriving(at, { type: 's', ip: '198.51.100.23', ...fields });

const guessed = ruleSet([
  {
    id: 'guessed',
    match: undefined,
    sequence: { by: ['user_id'], within: '10m', steps: [{ codes: ['f', 'fp'], count: 5 }, { codes: ['s'] }] },
  },
]);

describe('a sequence key', () => {
  it('drops a login held before its first failure once the login is older than the reorder tolerance, and keeps one after a held failure', () => {
    expect(REORDER_TOLERANCE_MS).toBe(10 * MINUTE); // the dates below are chosen around it
    // F0's login L can only be read by a failure dated before it; once L is past the tolerance none can come.
    const early = failure(0);
    const beforeFirst = success(2 * MINUTE);
    const first = failure(8 * MINUTE);
    const afterFirst = success(9 * MINUTE);
    const now = success(21 * MINUTE); // early expires (10m span + 10m tolerance): beforeFirst now leads, 11 minutes past the tolerance
    const held = evaluate(guessed, initialState(), [early, beforeFirst, first, afterFirst, now]);
    expect(held.alerts).toEqual([]);
    const stored = JSON.stringify(held.state);
    expect(stored).not.toContain(early.log_id);
    expect(stored).not.toContain(beforeFirst.log_id);
    for (const kept of [first, afterFirst, now]) expect(stored).toContain(kept.log_id);
    // Failures arriving late (within the tolerance) still complete a span with the login kept after the first one.
    const late = [0, 1, 2, 3].map((i) => failure(12 * MINUTE + i * 10 * SECOND));
    const completing = success(13 * MINUTE);
    const { alerts } = evaluate(guessed, held.state, [...late, completing]);
    expect(alerts.map((alert) => alert.kind)).toEqual(['alert']);
    expect(alerts[0]!.logIds).toEqual([first, afterFirst, ...late, completing, now].map((event) => event.log_id));
    // Whatever the page boundaries: the same alerts and the same state.
    const events = [early, beforeFirst, first, afterFirst, now, ...late, completing];
    const whole = evaluate(guessed, initialState(), events);
    for (const size of [1, 2, 3, 4]) {
      let state = initialState();
      const paged = [];
      for (let i = 0; i < events.length; i += size) {
        const result = evaluate(guessed, state, events.slice(i, i + size));
        state = result.state;
        paged.push(...result.alerts);
      }
      expect(paged).toEqual(whole.alerts);
      expect(JSON.stringify(state)).toBe(JSON.stringify(whole.state));
    }
  });

  it('keeps a login before its first failure while a failure dated before it may still arrive within the tolerance', () => {
    const expired = failure(0);
    const login = success(12 * MINUTE);
    const next = failure(13 * MINUTE);
    const now = success(20 * MINUTE + 30 * SECOND); // expired is gone; login leads, 90 seconds inside the tolerance
    const held = evaluate(guessed, initialState(), [expired, login, next, now]);
    const stored = JSON.stringify(held.state);
    expect(stored).not.toContain(expired.log_id);
    expect(stored).toContain(login.log_id);
    const late = [0, 1, 2, 3, 4].map((i) => failure(10 * MINUTE + 30 * SECOND + i * 10 * SECOND));
    const { alerts } = evaluate(guessed, held.state, late);
    expect(alerts.map((alert) => alert.kind)).toEqual(['alert']);
    expect(alerts[0]!.logIds).toEqual([...late, login, next, now].map((event) => event.log_id));
  });
});

describe("a sequence key's count of held first-step events (carried on its LiveGroup from call to call)", () => {
  /** Groups whose carried count was checked against their held entries; throws on the first that differs. */
  function checkCounts(state: EngineState): number {
    let checked = 0;
    for (const bucket of state.buckets) {
      if (!(bucket instanceof StateBucket)) continue;
      for (let at = 0; at < bucket.size; at++) {
        const live = bucket.liveAt(at);
        if (!live?.rule.sequence || live.firstSteps < 0) continue;
        const held = (bucket.groupAt(at).steps ?? []).filter((entry) => (entry[2] & 1) !== 0).length;
        expect(live.firstSteps, bucket.keyAt(at)).toBe(held);
        checked += 1;
      }
    }
    return checked;
  }

  it.each([
    ['in log_id order', 1, 0],
    ['five minutes out of log_id order', 3, 600_000],
  ])('stays equal to the entries it holds, whatever the pages (dates %s)', (_name, seed, skewMs) => {
    const events = traffic(seed, skewMs);
    const random = seeded(seed * 7);
    const state = initialState();
    let checked = 0;
    for (let i = 0; i < events.length; ) {
      const size = 1 + Math.floor(random() * 120);
      evaluate(rules, state, events.slice(i, i + size));
      checked += checkCounts(state);
      i += size;
    }
    expect(checked).toBeGreaterThan(500);
  });
});

describe('a completing login names its place', () => {
  it('as "City, Country", from whichever parts are there, cut to 120 characters', () => {
    expect(placeOf('Lagos', 'Nigeria')).toBe('Lagos, Nigeria');
    expect(placeOf('Lagos', 'NG')).toBe('Lagos, NG'); // the same city with another country is not taken for the first
    expect(placeOf('Lagos', 'Nigeria')).toBe('Lagos, Nigeria');
    expect(placeOf('Lagos', undefined)).toBe('Lagos');
    expect(placeOf(undefined, 'Nigeria')).toBe('Nigeria');
    expect(placeOf('', '')).toBeNull();
    expect(placeOf(42, { odd: true })).toBe('42, [object Object]');
    expect(placeOf('x'.repeat(200), 'Nigeria')?.length).toBe(120);
  });

  it('stays right for a city seen again and past the bound of cities it remembers', () => {
    const first = placeOf('Amsterdam', 'Netherlands');
    expect(placeOf(`Amster${'dam'}`, 'Netherlands')).toBe(first);
    for (let i = 0; i <= PLACES_KEPT; i++) expect(placeOf(`City ${i}`, 'Country')).toBe(`City ${i}, Country`);
    expect(placeOf('Amsterdam', 'Netherlands')).toBe('Amsterdam, Netherlands');
  });
});
