import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { evaluate, initialState, restoreState, testLogId, type Alert } from '../../src/engine/index.js';
import { MINUTE, SECOND, T0, ruleSet } from '../helpers/engine-fixtures.js';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
let sequence = 0;
/** An Auth0-shaped event dated `at` ms after T0, arriving as the next log id. */
function arriving(at: number, fields: Record<string, unknown>): LogEvent {
  sequence += 1;
  return {
    ip: '203.0.113.7',
    user_id: 'auth0|alice',
    user_name: 'alice@example.com',
    ...fields,
    date: new Date(T0 + at).toISOString(),
    log_id: testLogId(T0, sequence),
  } as LogEvent;
}
const failure = (at: number, fields: Record<string, unknown> = {}) => arriving(at, { type: 'fp', description: 'Wrong email or password.', ...fields });
const success = (at: number, fields: Record<string, unknown> = {}) =>
  arriving(at, {
    type: 's',
    ip: '198.51.100.23',
    client_name: 'Storefront',
    location_info: { city_name: 'Lagos', country_name: 'Nigeria', country_code: 'NG' },
    ...fields,
  });

const guessed = ruleSet([
  {
    id: 'guessed',
    match: undefined,
    sequence: {
      by: ['user_id'],
      within: '10m',
      steps: [
        { name: 'failed logins', codes: ['f', 'fp'], count: 5 },
        { name: 'successful login', codes: ['s'] },
      ],
    },
  },
]);
const fired = (alerts: Alert[]) => alerts.filter((alert) => alert.kind === 'alert');
const fiveFailures = (from = 0) => Array.from({ length: 5 }, (_, i) => failure(from + i * 30 * SECOND, { ip: `203.0.113.${i % 2 ? 7 : 8}` }));

describe('sequence rules', () => {
  it('fire when a key goes through every step in order within the bound, and show every step', () => {
    const failures = fiveFailures();
    const login = success(4 * MINUTE, { user_agent: CHROME_MAC });
    const { alerts } = evaluate(guessed, initialState(), [...failures, login]);
    expect(fired(alerts)).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert).toMatchObject({ reason: 'sequence_completed', group: { user_id: 'auth0|alice' }, count: 6 });
    expect(alert.logIds).toEqual([...failures, login].map((event) => event.log_id));
    expect(alert.sequence).toEqual({
      within: '10m',
      steps: [
        {
          name: 'failed logins',
          count: 5,
          firstDate: failures[0]!.date,
          lastDate: failures[4]!.date,
          users: [{ value: 'alice@example.com', count: 5 }],
          ips: [
            { value: '203.0.113.8', count: 3 },
            { value: '203.0.113.7', count: 2 },
          ],
        },
        {
          name: 'successful login',
          count: 1,
          firstDate: login.date,
          lastDate: login.date,
          users: [{ value: 'alice@example.com', count: 1 }],
          ips: [{ value: '198.51.100.23', count: 1 }],
          last: { date: login.date, user: 'alice@example.com', ip: '198.51.100.23', place: 'Lagos, Nigeria', application: 'Storefront', userAgent: CHROME_MAC },
        },
      ],
    });
  });

  it("names the completing login's user agent (cut to 200 characters), null when it sent none", () => {
    const lastOf = (events: LogEvent[]) => evaluate(guessed, initialState(), events).alerts[0]?.sequence?.steps[1]?.last;
    const scripted = fiveFailures().map((event) => ({ ...event, user_agent: 'python-requests/2.31' }));
    expect(lastOf([...scripted, success(4 * MINUTE, { user_agent: CHROME_MAC })])?.userAgent).toBe(CHROME_MAC);
    expect(lastOf([...fiveFailures(), success(4 * MINUTE)])?.userAgent).toBeNull();
    const long = lastOf([...fiveFailures(), success(4 * MINUTE, { user_agent: `Mozilla/5.0 ${'x'.repeat(500)}` })])?.userAgent;
    expect(long?.length).toBe(200);
    expect(long?.startsWith('Mozilla/5.0 xxx')).toBe(true);
  });

  it('names the user agent when the completing step also counts distinct values (the value and the agent are kept apart)', () => {
    const stuffing = ruleSet([
      {
        id: 'stuffing',
        match: undefined,
        sequence: {
          by: ['ip'],
          within: '10m',
          steps: [
            { name: 'failures for different users', codes: ['fp'], count: 3, distinct: 'user_name' },
            { name: 'success', codes: ['s'], count: 1, distinct: 'user_name' },
          ],
        },
      },
    ]);
    const tries = [0, 1, 2].map((i) => failure(i * SECOND, { ip: '198.51.100.23', user_name: `victim${i}@example.com` }));
    const { alerts } = evaluate(stuffing, initialState(), [...tries, success(MINUTE, { user_agent: CHROME_MAC, user_name: 'victim1@example.com' })]);
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.sequence!.steps[1]).toMatchObject({ distinct: { field: 'user_name', count: 1 }, last: { user: 'victim1@example.com', userAgent: CHROME_MAC } });
  });

  it('reports a success held from before user agents were kept without one (a state stored by the older version)', () => {
    const failures = fiveFailures();
    const login = success(4 * MINUTE, { user_agent: CHROME_MAC });
    // The success arrives first (no alert yet: the failures are late); its entry is then stored the old way.
    const held = evaluate(guessed, initialState(), [failures[0]!, login]).state;
    const old = JSON.parse(JSON.stringify(held), (_key, value: unknown) =>
      Array.isArray(value) && value[1] === login.log_id ? value.slice(0, 7) : value,
    ) as typeof held;
    expect(JSON.stringify(old)).not.toContain(CHROME_MAC);
    const { alerts } = evaluate(guessed, restoreState(old), failures.slice(1));
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.sequence!.steps[1]!.last).toEqual({ date: login.date, user: 'alice@example.com', ip: '198.51.100.23', place: 'Lagos, Nigeria', application: 'Storefront' });
  });

  it.each([
    ['four failures are not five', () => [...fiveFailures().slice(1), success(4 * MINUTE)]],
    ['the success comes more than 10 minutes after the first failure', () => [...fiveFailures(), success(11 * MINUTE)]],
    ['the success comes before the failures', () => [success(0), ...fiveFailures(MINUTE)]],
    ['another user logs in', () => [...fiveFailures(), success(4 * MINUTE, { user_id: 'auth0|bob', user_name: 'bob@example.com' })]],
    ['failures without a user id join nothing', () => [...fiveFailures().map((event) => ({ ...event, user_id: '' })), success(4 * MINUTE)]],
  ])('stay quiet when %s', (_name, events) => {
    expect(evaluate(guessed, initialState(), events()).alerts).toEqual([]);
  });

  it('count every failure of the span in the first step, not just the first five', () => {
    const failures = Array.from({ length: 8 }, (_, i) => failure(i * 20 * SECOND));
    const { alerts } = evaluate(guessed, initialState(), [...failures, success(5 * MINUTE)]);
    expect(alerts[0]!.sequence!.steps.map((step) => step.count)).toEqual([8, 1]);
    expect(alerts[0]!.count).toBe(9);
  });

  it('treat later matches of the key as repeats while the incident is open, so counts add up', () => {
    const events = [...fiveFailures(), success(4 * MINUTE), failure(5 * MINUTE), success(6 * MINUTE)];
    const { alerts } = evaluate(guessed, initialState(), events);
    expect(alerts.map((alert) => [alert.kind, alert.count])).toEqual([
      ['alert', 6],
      ['repeat', 2],
    ]);
  });

  describe('out of date order', () => {
    it('complete when the success arrives before a failure dated earlier (late by less than the tolerance)', () => {
      const failures = fiveFailures();
      const login = success(4 * MINUTE);
      const events = [...failures.slice(0, 4), login, failures[4]!];
      expect(Date.parse(events[5]!.date)).toBeLessThan(Date.parse(events[4]!.date));
      const { alerts } = evaluate(guessed, initialState(), events);
      expect(fired(alerts)).toHaveLength(1);
      expect(alerts[0]!.sequence!.steps[1]!.last).toMatchObject({ date: login.date, ip: '198.51.100.23' });
      expect(alerts[0]!.count).toBe(6);
    });

    it('do not complete when a success dated before the failures arrives after them', () => {
      const failures = fiveFailures(MINUTE);
      const early = success(30 * SECOND);
      expect(evaluate(guessed, initialState(), [...failures, early]).alerts).toEqual([]);
    });

    it('give the same alert whatever the page boundaries', () => {
      const events = [...fiveFailures(), success(4 * MINUTE), failure(20 * MINUTE), ...fiveFailures(30 * MINUTE), success(34 * MINUTE)];
      const whole = evaluate(guessed, initialState(), events).alerts;
      for (const size of [1, 2, 3, 5]) {
        let state = initialState();
        const paged: Alert[] = [];
        for (let i = 0; i < events.length; i += size) {
          const result = evaluate(guessed, state, events.slice(i, i + size));
          state = result.state;
          paged.push(...result.alerts);
        }
        expect(fired(paged)).toEqual(fired(whole));
        expect(fired(paged)).toHaveLength(2);
      }
    });
  });

  it('join steps keyed on different fields when the rule says how', () => {
    // An IP blocked by attack protection (keyed by the blocked address in details) and a success from it.
    const flagged = ruleSet(
      [
        {
          id: 'flagged',
          match: undefined,
          sequence: {
            by: ['ip'],
            within: '1h',
            steps: [
              { codes: ['limit_mu'], by: ['details.blocked_ip'] },
              { codes: ['s'], by: ['ip'] },
            ],
          },
        },
      ],
      undefined,
    );
    const block = arriving(0, { type: 'limit_mu', ip: '192.0.2.200', details: { blocked_ip: '198.51.100.23' } });
    const fromBlocked = success(10 * MINUTE);
    const fromElsewhere = success(12 * MINUTE, { ip: '192.0.2.200' });
    const { alerts } = evaluate(flagged, initialState(), [block, fromElsewhere, fromBlocked]);
    expect(fired(alerts).map((alert) => [alert.group, alert.logIds])).toEqual([[{ ip: '198.51.100.23' }, [block.log_id, fromBlocked.log_id]]]);
  });

  it('keep the key values of an event that matches the first and a later step (a later step only looks its group up)', () => {
    // Every failure is both a guess and a possible last step; the user already has a group (another IP),
    // so the first failure from 203.0.113.7 is looked up for the later step too, and creates its group.
    const repeated = ruleSet([
      {
        id: 'repeated',
        match: undefined,
        sequence: { by: ['user_id', 'ip'], within: '10m', steps: [{ codes: ['fp'], count: 2 }, { codes: ['fp'] }] },
      },
    ]);
    const failures = [failure(0, { ip: '192.0.2.9' }), failure(10 * SECOND), failure(20 * SECOND), failure(30 * SECOND)];
    const { alerts } = evaluate(repeated, initialState(), failures);
    expect(fired(alerts).map((alert) => [alert.group, alert.logIds])).toEqual([
      [{ user_id: 'auth0|alice', ip: '203.0.113.7' }, [failures[1]!.log_id, failures[2]!.log_id, failures[3]!.log_id]],
    ]);
  });

  it('stop remembering a key once its first step has expired: later logins alone neither stay in the state nor keep the key alive', () => {
    // Three failures (fewer than five), then a login every 5 minutes for three hours.
    const failures = fiveFailures().slice(0, 3); // made first: events arrive in the order they are made
    const logins = Array.from({ length: 36 }, (_, i) => success(2 * MINUTE + i * 5 * MINUTE));
    const quiet = evaluate(guessed, initialState(), [...failures, ...logins]);
    expect(quiet.alerts).toEqual([]);
    // The failures expired after 10 minutes (+ the reorder tolerance); the logins since then were not kept
    // and the key was pruned: a logged-in user costs nothing once their failures are gone.
    expect(quiet.state.size).toBe(0);
    const stored = JSON.stringify(quiet.state);
    for (const login of logins.slice(6)) expect(stored).not.toContain(login.log_id);
    // The key starts again with new failures, and a guessed password still fires.
    const later = 3 * 60 * MINUTE;
    const retry = fiveFailures(later);
    const again = evaluate(guessed, quiet.state, [...retry, success(later + 4 * MINUTE)]);
    expect(fired(again.alerts)).toHaveLength(1);
    expect(again.alerts[0]!.count).toBe(6);
  });

  it('keep a login while a failure of its key is held, so failures arriving late (dated before it) still complete the sequence', () => {
    const first = failure(0);
    const login = success(3 * MINUTE);
    const late = Array.from({ length: 4 }, (_, i) => failure(30 * SECOND + i * 30 * SECOND));
    const { alerts } = evaluate(guessed, initialState(), [first, login, ...late]);
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.logIds).toContain(login.log_id);
  });

  it('count distinct values in a step when it says so (failures for ten different users from one IP, then a success)', () => {
    const stuffing = ruleSet([
      {
        id: 'stuffing-success',
        match: undefined,
        sequence: { by: ['ip'], within: '10m', steps: [{ codes: ['f', 'fp'], count: 10, distinct: 'user_name' }, { codes: ['s'] }] },
      },
    ]);
    const tries = (users: number, from = 0) =>
      Array.from({ length: 30 }, (_, i) => failure(from + i * 5 * SECOND, { ip: '198.51.100.23', user_name: `victim${i % users}@example.com` }));
    // Thirty failures for nine users, then a success: not stuffing by this rule's measure.
    expect(evaluate(stuffing, initialState(), [...tries(9), success(3 * MINUTE)]).alerts).toEqual([]);
    const events = [...tries(10), success(3 * MINUTE)];
    const { alerts } = evaluate(stuffing, initialState(), events);
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.sequence!.steps[0]).toMatchObject({ count: 30, distinct: { field: 'user_name', count: 10 } });
    expect(alerts[0]!.count).toBe(31);
  });
});
