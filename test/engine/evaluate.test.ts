import { describe, expect, it } from 'vitest';
import { AlertSchema, cloneState, evaluate, initialState, MAX_GROUPS, MAX_WINDOW_ENTRIES, restoreState, stateGroups, type Alert } from '../../src/engine/index.js';
import { eventFactory, fakeCatalog, MINUTE, ruleSet, SECOND } from '../helpers/engine-fixtures.js';

const kinds = (alerts: Alert[]) => alerts.map((alert) => alert.kind);
const total = (alerts: Alert[]) => alerts.reduce((sum, alert) => sum + alert.count, 0);

describe('rules without threshold', () => {
  it('alerts on every matching event when there is no throttle, each its own incident', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'each', match: { codes: ['pwd_leak'] } }]);
    const { alerts, state } = evaluate(set, initialState(), [ev(0, { type: 'pwd_leak' }), ev(SECOND, { type: 'pwd_leak' }), ev(2 * SECOND, { type: 's' })]);
    expect(kinds(alerts)).toEqual(['alert', 'alert']);
    expect(alerts.map((a) => a.reason)).toEqual(['matched', 'matched']);
    expect(new Set(alerts.map((a) => a.incident)).size).toBe(2);
    expect(alerts.every((alert) => AlertSchema.safeParse(alert).success)).toBe(true);
    expect(stateGroups(state)).toEqual({});
  });

  it('throttles per throttle key: one alert per user+IP, further matches batched into one repeat', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'leak', match: { codes: ['pwd_leak'] }, throttle: { period: '1h', by: ['user_id', 'ip'] } }]);
    const events = [
      ev(0, { type: 'pwd_leak', ip: '198.51.100.1' }),
      ev(MINUTE, { type: 'pwd_leak', ip: '198.51.100.1' }),
      ev(2 * MINUTE, { type: 'pwd_leak', ip: '198.51.100.2' }),
      ev(3 * MINUTE, { type: 'pwd_leak', ip: '198.51.100.1' }),
    ];
    const { alerts } = evaluate(set, initialState(), events);
    expect(kinds(alerts)).toEqual(['alert', 'repeat', 'alert']);
    const [first, repeat, second] = alerts as [Alert, Alert, Alert];
    expect(first.group).toEqual({ user_id: 'auth0|alice', ip: '198.51.100.1' });
    expect(repeat.incident).toBe(first.incident);
    expect(repeat.logIds).toEqual([events[1]!.log_id, events[3]!.log_id]);
    expect(repeat).toMatchObject({ reason: 'repeat', count: 2, incidentCount: 3 });
    expect(second.group.ip).toBe('198.51.100.2');
    expect(total(alerts)).toBe(events.length);
  });

  it('counts the repeats that carry no user apart from the top users', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'wide', match: { codes: ['fp'] }, throttle: '1h' }]);
    const first = evaluate(set, initialState(), [ev(0)]);
    const events = [ev(SECOND), ev(2 * SECOND, { user_name: undefined, user_id: undefined }), ev(3 * SECOND, { user_name: undefined, user_id: undefined })];
    const [repeat] = evaluate(set, first.state, events).alerts;
    expect(repeat!.top).toMatchObject({ users: [{ value: expect.any(String), count: 1 }], withoutUser: 2 });
  });

  it('closes the incident when the throttle passes and reports the suppressed repeats on the next alert', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'wide', match: { codes: ['fp'] }, throttle: '10m' }]);
    const state1 = evaluate(set, initialState(), [ev(0), ev(MINUTE), ev(2 * MINUTE)]);
    expect(kinds(state1.alerts)).toEqual(['alert', 'repeat']);
    // Still open just before lastMatch + throttle …
    const state2 = evaluate(set, state1.state, [ev(12 * MINUTE - 1)]);
    expect(kinds(state2.alerts)).toEqual(['repeat']);
    expect(state2.alerts[0]!.incidentCount).toBe(4);
    // … and closed exactly at lastMatch + throttle.
    const state3 = evaluate(set, state2.state, [ev(22 * MINUTE - 1)]);
    expect(kinds(state3.alerts)).toEqual(['alert']);
    expect(state3.alerts[0]!.suppressed).toBe(3);
    expect(state3.alerts[0]!.incident).not.toBe(state1.alerts[0]!.incident);
  });

  it('emits one repeat per open incident per call, one more per 100 log ids: every log id listed once', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'wide', match: { codes: ['fp'] }, throttle: '1h' }]);
    const first = evaluate(set, initialState(), [ev(0)]);
    const few = evaluate(set, first.state, Array.from({ length: 40 }, (_, i) => ev((i + 1) * SECOND)));
    expect(kinds(few.alerts)).toEqual(['repeat']);
    // A poll commits up to ~1,000 events in one call: the metadata lists at most 100 ids per message.
    const events = Array.from({ length: 250 }, (_, i) => ev((i + 100) * SECOND));
    const second = evaluate(set, few.state, events);
    expect(kinds(second.alerts)).toEqual(['repeat', 'repeat', 'repeat']);
    expect(second.alerts.map((alert) => alert.count)).toEqual([100, 100, 50]);
    expect(second.alerts.flatMap((alert) => alert.logIds)).toEqual(events.map((event) => event.log_id));
    expect(second.alerts.map((alert) => alert.incidentCount)).toEqual([141, 241, 291]);
    expect(second.alerts.every((alert) => AlertSchema.safeParse(alert).success)).toBe(true);
  });
});

describe('threshold rules', () => {
  const bruteForce = { id: 'bf', match: { codes: ['f', 'fp', 'fu'] }, threshold: { count: 3, window: '5m', group_by: ['ip'] } };

  it('fires once when a group reaches the count, with the window events, top users and IPs', () => {
    const ev = eventFactory();
    const events = [ev(0, { user_name: 'a' }), ev(SECOND, { user_name: 'b' }), ev(2 * SECOND, { type: 'fu', user_name: 'a' })];
    const { alerts } = evaluate(ruleSet([bruteForce]), initialState(), events);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'alert',
      reason: 'threshold_reached',
      count: 3,
      incidentCount: 3,
      logIds: events.map((e) => e.log_id),
      group: { ip: '203.0.113.7' },
      threshold: { count: 3, window: '5m', groupBy: ['ip'] },
      top: { users: [{ value: 'a', count: 2 }, { value: 'b', count: 1 }], ips: [{ value: '203.0.113.7', count: 3 }] },
      incident: expect.stringMatching(new RegExp(`^bf:[0-9a-f]{8}:${events[0]!.log_id}$`)),
    });
  });

  it.each([
    // (t - window, t]: an event exactly `window` after the oldest no longer counts the oldest
    ['exactly at the window edge is outside', 5 * MINUTE, 0],
    ['one millisecond inside the window fires', 5 * MINUTE - 1, 1],
  ])('window edge: %s', (_name, lastAt, expectedAlerts) => {
    const ev = eventFactory();
    const events = [ev(0), ev(MINUTE), ev(lastAt)];
    expect(evaluate(ruleSet([bruteForce]), initialState(), events).alerts).toHaveLength(expectedAlerts);
  });

  it('keeps one counter per group_by value combination', () => {
    const ev = eventFactory();
    const events = [ev(0, { ip: '1.1.1.1' }), ev(1, { ip: '2.2.2.2' }), ev(2, { ip: '1.1.1.1' }), ev(3, { ip: '2.2.2.2' }), ev(4, { ip: '1.1.1.1' })];
    const { alerts } = evaluate(ruleSet([bruteForce]), initialState(), events);
    expect(alerts.map((a) => a.group)).toEqual([{ ip: '1.1.1.1' }]);
  });

  it('counts distinct values instead of events when distinct is set', () => {
    const ev = eventFactory();
    const set = ruleSet([{ ...bruteForce, threshold: { count: 3, window: '10m', group_by: ['ip'], distinct: 'user_name' } }]);
    const same = Array.from({ length: 10 }, (_, i) => ev(i * SECOND, { user_name: i % 2 ? 'a' : 'b' }));
    const quiet = evaluate(set, initialState(), same);
    expect(quiet.alerts).toHaveLength(0);
    const fired = evaluate(set, quiet.state, [ev(11 * SECOND, { user_name: 'c' })]);
    expect(fired.alerts).toHaveLength(1);
    expect(fired.alerts[0]!.threshold).toMatchObject({ distinct: 'user_name', distinctCount: 3 });
    // Both numbers: 3 distinct users, and every one of the 11 events in the window is reported (count adds up).
    expect(fired.alerts[0]!.count).toBe(11);
    expect(fired.alerts[0]!.logIds).toEqual([...same.map((event) => event.log_id), fired.alerts[0]!.event.log_id]);
    expect(fired.alerts[0]!.top?.values).toEqual([
      { value: 'a', count: 5 },
      { value: 'b', count: 5 },
      { value: 'c', count: 1 },
    ]);
  });

  it('is not hidden by hammering a few values: repeats take no window capacity', () => {
    const ev = eventFactory();
    const set = ruleSet([{ ...bruteForce, threshold: { count: 10, window: '10m', group_by: ['ip'], distinct: 'user_name' } }]);
    const early = Array.from({ length: 6 }, (_, i) => ev(i * SECOND, { user_name: `early${i}` }));
    // 1,500 retries of 3 users (more than the window's capacity of entries) within the window.
    const hammer = Array.from({ length: 1_500 }, (_, i) => ev(10 * SECOND + i * 100, { user_name: `again${i % 3}` }));
    const quiet = evaluate(set, initialState(), [...early, ...hammer]);
    expect(quiet.alerts).toHaveLength(0);
    // At capacity, repeats of the hammered users are folded into their later entries: the early users stay.
    const window = Object.values(stateGroups(quiet.state))[0]!.window!;
    expect(window.length).toBeLessThanOrEqual(MAX_WINDOW_ENTRIES);
    expect(window.slice(0, 6).map((entry) => entry[2])).toEqual(early.map((event) => event.user_name));
    // One more retry folds again, in the clone only: the entries it merges are shared with the original.
    const snapshot = JSON.stringify(quiet.state);
    const folded = evaluate(set, cloneState(quiet.state), [ev(170 * SECOND, { user_name: 'again0' })]);
    expect(Object.values(stateGroups(folded.state))[0]!.window!.length).toBeLessThanOrEqual(MAX_WINDOW_ENTRIES);
    expect(JSON.stringify(quiet.state)).toBe(snapshot);
    // The tenth distinct user, 3 minutes after the first: still inside the 10-minute window.
    const fired = evaluate(set, quiet.state, [ev(180 * SECOND, { user_name: 'tenth' })]);
    expect(fired.alerts).toHaveLength(1);
    expect(fired.alerts[0]!.threshold).toMatchObject({ distinctCount: 10 });
    // … and it counts every event, folded ones included.
    expect(fired.alerts[0]!.count).toBe(early.length + hammer.length + 1);
  });

  it('counts a value while its latest occurrence is inside the window', () => {
    const ev = eventFactory();
    const set = ruleSet([{ ...bruteForce, threshold: { count: 3, window: '5m', group_by: ['ip'], distinct: 'user_name' } }]);
    // a at 0 and again at 4m, b at 1m; at 5m30s the first a has left the window but the second has not.
    const events = [ev(0, { user_name: 'a' }), ev(MINUTE, { user_name: 'b' }), ev(4 * MINUTE, { user_name: 'a' }), ev(5.5 * MINUTE, { user_name: 'c' })];
    expect(evaluate(set, initialState(), events).alerts).toHaveLength(1);
    // Without the repeat, a has left the window by 5m30s: only b and c remain.
    expect(evaluate(set, initialState(), [events[0]!, events[1]!, events[3]!]).alerts).toHaveLength(0);
  });

  it('counts matches during the throttle as repeats, then starts a fresh window', () => {
    const ev = eventFactory();
    const set = ruleSet([{ ...bruteForce, throttle: '10m' }]);
    const burst = [ev(0), ev(SECOND), ev(2 * SECOND), ev(3 * SECOND), ev(4 * SECOND)];
    const first = evaluate(set, initialState(), burst);
    expect(kinds(first.alerts)).toEqual(['alert', 'repeat']);
    expect(first.alerts[1]!.count).toBe(2);
    // After the throttle: the window starts empty, so two events are not enough …
    const later = [ev(20 * MINUTE), ev(20 * MINUTE + SECOND)];
    const second = evaluate(set, first.state, later);
    expect(second.alerts).toHaveLength(0);
    // … and the third fires, reporting the previous incident's suppressed matches.
    const third = evaluate(set, second.state, [ev(20 * MINUTE + 2 * SECOND)]);
    expect(third.alerts[0]).toMatchObject({ kind: 'alert', count: 3, suppressed: 2 });
  });

  it('uses the window as throttle when the rule names none', () => {
    const ev = eventFactory();
    const events = [ev(0), ev(1), ev(2), ev(3 * MINUTE), ev(8 * MINUTE - 1), ev(13 * MINUTE - 1), ev(13 * MINUTE), ev(13 * MINUTE + 1)];
    const { alerts } = evaluate(ruleSet([bruteForce]), initialState(), events);
    // Fires at 2; 3m and 8m-1 are repeats (each extends the incident by 5m);
    // 13m-1 is exactly 5m after the last match: the incident closed, a new window fires at 13m+1.
    expect(kinds(alerts)).toEqual(['alert', 'repeat', 'alert']);
    expect(alerts[1]!.count).toBe(2);
    expect(alerts[2]!.suppressed).toBe(2);
    expect(total(alerts)).toBe(events.length);
  });
});

describe('code globs', () => {
  it('matches catalog codes through the expanded index and unknown codes through the fallback', () => {
    const ev = eventFactory();
    const catalog = fakeCatalog(['gd_send_sms', 'gd_send_pn', 's']);
    const set = ruleSet([{ id: 'mfa', match: { codes: ['gd_*'] } }], catalog);
    expect(set.byCode.get('gd_send_sms')?.map((r) => r.id)).toEqual(['mfa']);
    expect(set.byCode.has('gd_brand_new')).toBe(false);
    const { alerts } = evaluate(set, initialState(), [ev(0, { type: 'gd_send_sms' }), ev(1, { type: 'gd_brand_new' }), ev(2, { type: 's' })]);
    expect(alerts.map((a) => a.event.type)).toEqual(['gd_send_sms', 'gd_brand_new']);
  });

  it('drops disabled rules', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'off', enabled: false }]);
    expect(set.rules).toHaveLength(0);
    expect(evaluate(set, initialState(), [ev(0)]).alerts).toEqual([]);
  });
});

describe('purity and order', () => {
  const set = ruleSet([
    { id: 'bf', match: { codes: ['fp'] }, threshold: { count: 3, window: '5m', group_by: ['ip'] } },
    { id: 'wide', match: { codes: ['fp'] }, throttle: '1h' },
  ]);

  it('changes the state it is given in place; a clone is its own, and the same input gives the same output', () => {
    const ev = eventFactory();
    const start = evaluate(set, initialState(), [ev(0), ev(1)]).state;
    const snapshot = JSON.stringify(start);
    const events = [ev(2), ev(3), ev(4)];
    const a = evaluate(set, cloneState(start), events);
    expect(JSON.stringify(start), 'evaluating a clone wrote into the original').toBe(snapshot);
    const b = evaluate(set, start, events);
    expect(b.state).toBe(start);
    expect(JSON.stringify(start)).not.toBe(snapshot);
    expect(b).toEqual(a);
    // The state survives the trip through JSON the poller gives it.
    expect(restoreState(JSON.stringify(a.state))).toEqual(a.state);
  });

  it('evaluates in log_id order whatever the input order', () => {
    const ev = eventFactory();
    const events = [ev(0), ev(1), ev(2), ev(3)];
    const forward = evaluate(set, initialState(), events);
    const backward = evaluate(set, initialState(), [...events].reverse());
    expect(backward).toEqual(forward);
  });

  it('gives the same alerts (minus repeat batching) whether events come in one call or one by one', () => {
    const ev = eventFactory();
    const events = Array.from({ length: 40 }, (_, i) => ev(i * 20 * SECOND, { ip: `10.0.0.${i % 3}` }));
    const whole = evaluate(set, initialState(), events).alerts.filter((a) => a.kind === 'alert');
    let state = initialState();
    const pieces: Alert[] = [];
    for (const event of events) {
      const result = evaluate(set, state, [event]);
      state = result.state;
      pieces.push(...result.alerts);
    }
    expect(pieces.filter((a) => a.kind === 'alert')).toEqual(whole);
    expect(total(pieces)).toBe(total(evaluate(set, initialState(), events).alerts));
  });
});

describe('bounded state', () => {
  it('keeps a flood from one IP within the window needs', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'stuffing', match: { codes: ['fp'] }, threshold: { count: 10, window: '10m', group_by: ['ip'], distinct: 'user_name' } }]);
    // 10,000 failures for the same 3 users never reach 10 distinct users.
    const flood = Array.from({ length: 10_000 }, (_, i) => ev(i * 10, { user_name: `u${i % 3}` }));
    const { state } = evaluate(set, initialState(), flood);
    const groups = Object.values(stateGroups(state));
    expect(groups).toHaveLength(1);
    // At most MAX_WINDOW_ENTRIES entries: repeats of the three users are folded into later entries,
    // which still count every event of the window (all 10,000 fall within its 10 minutes).
    const window = groups[0]!.window!;
    expect(window.length).toBeLessThanOrEqual(MAX_WINDOW_ENTRIES);
    expect(new Set(window.map((entry) => entry[2]))).toEqual(new Set(['u0', 'u1', 'u2']));
    expect(window.reduce((sum, entry) => sum + (entry[5] ?? 1), 0)).toBe(flood.length);
    // The newest events keep their own entries (and log ids).
    expect(window.slice(-3).map(([, logId]) => logId)).toEqual(flood.slice(-3).map((event) => event.log_id));
  });

  it('forgets expired windows and closed incidents once event time moves on', () => {
    const ev = eventFactory();
    const set = ruleSet([
      { id: 'bf', match: { codes: ['fp'] }, threshold: { count: 3, window: '5m', group_by: ['ip'] } },
      { id: 'leak', match: { codes: ['fp'] }, throttle: { period: '1h', by: ['ip'] } },
    ]);
    const flood = Array.from({ length: 10_000 }, (_, i) => ev(i, { ip: `10.${(i >> 8) & 255}.${i & 255}.1` }));
    const busy = evaluate(set, initialState(), flood).state;
    expect(Object.keys(stateGroups(busy)).length).toBeLessThanOrEqual(MAX_GROUPS);
    const later = evaluate(set, busy, [ev(3 * 3_600_000, { type: 's' }), ev(3 * 3_600_000 + 1, { ip: '192.0.2.1' })]).state;
    expect(Object.keys(stateGroups(later)).length).toBe(2);
  });
});
