import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { evaluate, initialState, REORDER_TOLERANCE_MS, stateGroups, testLogId, type Alert } from '../../src/engine/index.js';
import { MINUTE, SECOND, T0, ruleSet } from '../helpers/engine-fixtures.js';

// Auth0 pages by log_id, not by date: an event can arrive after events dated
// later than it. These events carry log ids in arrival order and dates set
// apart from it, so each test first checks that its arrival order really
// disagrees with its dates (the fault is set up), then what event time says.
let sequence = 0;
/** A failed login dated `at` ms after T0, arriving as the `sequence`-th event (its log_id). */
function arriving(at: number, fields: Record<string, unknown> = {}): LogEvent {
  sequence += 1;
  return {
    type: 'fp',
    ip: '203.0.113.7',
    user_name: 'alice@example.com',
    ...fields,
    date: new Date(T0 + at).toISOString(),
    log_id: testLogId(T0, sequence),
  } as LogEvent;
}

/** The arrival (log_id) order disagrees with the date order somewhere. */
function outOfDateOrder(events: readonly LogEvent[]): boolean {
  return events.some((event, i) => i > 0 && Date.parse(event.date) < Date.parse(events[i - 1]!.date));
}

const brute = ruleSet([{ id: 'brute', match: { codes: ['fp'] }, threshold: { count: 3, window: '5m', group_by: ['ip'] }, throttle: '30m' }]);
const stuffing = ruleSet([
  { id: 'stuffing', match: { codes: ['fp'] }, threshold: { count: 3, window: '5m', group_by: ['ip'], distinct: 'user_name' }, throttle: '30m' },
]);
const fired = (alerts: Alert[]) => alerts.filter((alert) => alert.kind === 'alert');

describe('threshold windows count by event time', () => {
  it('does not count a late event dated before the window: no alert the event-time window does not justify', () => {
    // Two failures at 10m and 11m, then one dated 2m arriving last: within any 5 minutes there are only 2.
    const events = [arriving(10 * MINUTE), arriving(11 * MINUTE), arriving(2 * MINUTE)];
    expect(outOfDateOrder(events)).toBe(true);
    expect(evaluate(brute, initialState(), events).alerts).toEqual([]);
  });

  it('does not let a late old event inflate the count reported later', () => {
    const early = [arriving(10 * MINUTE), arriving(MINUTE)];
    expect(outOfDateOrder(early)).toBe(true);
    const first = evaluate(brute, initialState(), early);
    expect(first.alerts).toEqual([]);
    // 14m: the window (9m, 14m] holds 10m and 14m only; with a third one at 14m30s it fires with those three.
    const later = [arriving(14 * MINUTE), arriving(14.5 * MINUTE)];
    const { alerts } = evaluate(brute, first.state, later);
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.count).toBe(3);
    expect(alerts[0]!.logIds).toEqual([early[0]!.log_id, later[0]!.log_id, later[1]!.log_id]);
    expect(alerts[0]!.firstDate).toBe(early[0]!.date);
  });

  it('places a late event at its date, completing the window it belongs to', () => {
    // 1m and 5m arrive, then one dated 3m: (0, 5m] now holds three.
    const events = [arriving(MINUTE), arriving(5 * MINUTE), arriving(3 * MINUTE)];
    expect(outOfDateOrder(events)).toBe(true);
    const { alerts } = evaluate(brute, initialState(), events);
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.count).toBe(3);
    // Reported in date order.
    expect(alerts[0]!.logIds).toEqual([events[0]!.log_id, events[2]!.log_id, events[1]!.log_id]);
    expect([alerts[0]!.firstDate, alerts[0]!.lastDate]).toEqual([events[0]!.date, events[1]!.date]);
  });

  it('gives the same alert whatever order the same events arrive in, within the tolerance', () => {
    const dates = [0, 40 * SECOND, 70 * SECOND, 2 * MINUTE];
    const inOrder = evaluate(brute, initialState(), dates.map((at) => arriving(at)));
    const reversed = evaluate(brute, initialState(), [...dates].reverse().map((at) => arriving(at)));
    expect(fired(inOrder.alerts)).toHaveLength(1);
    expect(fired(reversed.alerts)).toHaveLength(1);
    expect(reversed.alerts.reduce((sum, alert) => sum + alert.count, 0)).toBe(inOrder.alerts.reduce((sum, alert) => sum + alert.count, 0));
  });

  it('keeps events for the reorder tolerance past the window, so a later-arriving neighbour still finds them', () => {
    // 0 and 1m arrive, then events of another IP move time on by 8m; then one dated 2m arrives for the first IP.
    const first = evaluate(brute, initialState(), [arriving(0), arriving(MINUTE), arriving(8 * MINUTE, { ip: '198.51.100.1' })]);
    expect(first.alerts).toEqual([]);
    const late = arriving(2 * MINUTE);
    expect(8 * MINUTE - 2 * MINUTE).toBeLessThan(REORDER_TOLERANCE_MS);
    const { alerts } = evaluate(brute, first.state, [late]);
    expect(fired(alerts)).toHaveLength(1);
    expect(alerts[0]!.count).toBe(3);
  });

  it('lets a window expire by its newest date, not by the last arrival', () => {
    // Newest date 10m, then a late event dated 1m: once time passes 10m + window + tolerance, the group is gone.
    const events = [arriving(10 * MINUTE), arriving(MINUTE)];
    const { state } = evaluate(brute, initialState(), events);
    expect(Object.keys(stateGroups(state))).toHaveLength(1);
    const later = evaluate(brute, state, [arriving(10 * MINUTE + 5 * MINUTE + REORDER_TOLERANCE_MS + 2 * MINUTE, { ip: '198.51.100.9' })]);
    expect(Object.values(stateGroups(later.state)).map((group) => group.group.ip)).toEqual(['198.51.100.9']);
  });
});

describe('distinct thresholds report both numbers and every event', () => {
  it('shows distinct values and events, and the alert and its repeats add up to every event', () => {
    // Three users, several failures each, then more after the alert.
    const users = ['a', 'b', 'a', 'a', 'b', 'c', 'c', 'a', 'b'];
    const events = users.map((user, i) => arriving(i * 10 * SECOND, { user_name: `${user}@example.com` }));
    const { alerts } = evaluate(stuffing, initialState(), events);
    const alert = fired(alerts)[0]!;
    expect(alert.threshold).toMatchObject({ distinct: 'user_name', distinctCount: 3 });
    expect(alert.count).toBe(6); // a a a b b c up to the first c
    expect(alert.top?.values).toEqual([
      { value: 'a@example.com', count: 3 },
      { value: 'b@example.com', count: 2 },
      { value: 'c@example.com', count: 1 },
    ]);
    expect(alerts.reduce((sum, one) => sum + one.count, 0)).toBe(events.length);
    const reported = alerts.flatMap((one) => one.logIds);
    expect(new Set(reported)).toEqual(new Set(events.map((event) => event.log_id)));
  });

  it('does not count a value seen only before the window start (arriving late) towards the distinct count', () => {
    const events = [arriving(10 * MINUTE, { user_name: 'a' }), arriving(11 * MINUTE, { user_name: 'b' }), arriving(MINUTE, { user_name: 'c' })];
    expect(outOfDateOrder(events)).toBe(true);
    expect(evaluate(stuffing, initialState(), events).alerts).toEqual([]);
    // In date order the same three are also quiet (c is 9 minutes before a).
    const inOrder = [arriving(MINUTE, { user_name: 'c' }), arriving(10 * MINUTE, { user_name: 'a' }), arriving(11 * MINUTE, { user_name: 'b' })];
    expect(evaluate(stuffing, initialState(), inOrder).alerts).toEqual([]);
  });
});
