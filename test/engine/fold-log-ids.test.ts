import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { MAX_ALERT_LOG_IDS } from '../../src/engine/alert.js';
import { AlertSchema, evaluate, initialState, MAX_WINDOW_ENTRIES, stateGroups, type Alert, type EngineState, type RuleSet } from '../../src/engine/index.js';
import { eventFactory, ruleSet, SECOND } from '../helpers/engine-fixtures.js';

// A distinct window holds at most MAX_WINDOW_ENTRIES entries: past that, the oldest event of a
// repeated value is folded into that value's next entry (counted there). CONTRACT.md: each log id
// is reported by exactly one posted message — a folded event's log id too, up to the alert's cap
// of MAX_ALERT_LOG_IDS; past it, the alert counts events whose log ids it does not list.

const stuffing = () => ruleSet([{ id: 'stuffing', match: { codes: ['fp'] }, threshold: { count: 10, window: '10m', group_by: ['ip'], distinct: 'user_name' } }]);

/** Pages of `size` events, the state carried through JSON as the poller stores it. */
function inPages(set: RuleSet, events: readonly LogEvent[], size: number): { alerts: Alert[]; state: EngineState } {
  let state = initialState();
  const alerts: Alert[] = [];
  for (let i = 0; i < events.length; i += size) {
    const result = evaluate(set, JSON.parse(JSON.stringify(state)) as EngineState, events.slice(i, i + size));
    alerts.push(...result.alerts);
    state = result.state;
  }
  return { alerts, state };
}

/** Six users, `hammer` retries of three others (all within 10 minutes), the tenth user, then `after` more retries. */
function burst(hammer: number, after = 0): LogEvent[] {
  const ev = eventFactory();
  return [
    ...Array.from({ length: 6 }, (_, i) => ev(i * SECOND, { user_name: `early${i}` })),
    ...Array.from({ length: hammer }, (_, i) => ev(10 * SECOND + Math.floor((i * 170 * SECOND) / hammer), { user_name: `again${i % 3}` })),
    ev(180 * SECOND, { user_name: 'tenth' }),
    ...Array.from({ length: after }, (_, i) => ev(181 * SECOND + i * 10, { user_name: `again${i % 3}` })),
  ];
}

/** Log ids a window holds, folded ones included. */
function heldLogIds(state: EngineState): number {
  return Object.values(stateGroups(state)).reduce((sum, group) => sum + (group.window ?? []).reduce((n, entry) => n + 1 + (entry[7]?.length ?? 0), 0), 0);
}

describe('a distinct window that folded', () => {
  it('reports every log id once across the alert and its repeats, whatever the pages', () => {
    // 1,507 events before the alert: 507 more than the window holds entries.
    const events = burst(1_500, 250);
    for (const size of [events.length, 100, 7]) {
      const { alerts } = inPages(stuffing(), events, size);
      const [alert, ...repeats] = alerts;
      expect(alert!.kind).toBe('alert');
      expect(repeats.every((repeat) => repeat.kind === 'repeat')).toBe(true);
      expect(alert!.threshold).toMatchObject({ distinctCount: 10 });
      expect(alert!.count).toBe(1_507);
      // Every counted event is listed: the folded ones were 507 short before.
      expect(alert!.logIds).toHaveLength(alert!.count);
      expect(AlertSchema.safeParse(alert).success).toBe(true);
      const listed = alerts.flatMap((each) => each.logIds);
      expect(listed).toHaveLength(new Set(listed).size);
      expect(new Set(listed)).toEqual(new Set(events.map((event) => event.log_id)));
      expect(alerts.reduce((sum, each) => sum + each.count, 0)).toBe(events.length);
    }
  });

  it(`past ${MAX_ALERT_LOG_IDS.toLocaleString('en-US')} events, lists that many and still counts them all (the same whatever the pages)`, () => {
    const events = burst(5_000);
    const whole = evaluate(stuffing(), initialState(), events).alerts;
    expect(whole).toHaveLength(1);
    const [alert] = whole;
    expect(alert!.count).toBe(5_007);
    expect(alert!.logIds).toHaveLength(MAX_ALERT_LOG_IDS);
    expect(new Set(alert!.logIds).size).toBe(MAX_ALERT_LOG_IDS);
    const ids = new Set(events.map((event) => event.log_id));
    expect(alert!.logIds.every((id) => ids.has(id))).toBe(true);
    // The newest events keep their own entries, the tenth user's included.
    expect(alert!.logIds.slice(-3)).toEqual(events.slice(-3).map((event) => event.log_id));
    expect(AlertSchema.safeParse(alert).success).toBe(true);
    for (const size of [100, 13]) expect(inPages(stuffing(), events, size).alerts).toEqual(whole);
  });

  it('keeps its memory bounded under a flood that never reaches the threshold', () => {
    const ev = eventFactory();
    const flood = Array.from({ length: 20_000 }, (_, i) => ev(i * 20, { user_name: `u${i % 3}` }));
    for (const size of [flood.length, 100]) {
      const { alerts, state } = inPages(stuffing(), flood, size);
      expect(alerts).toEqual([]);
      const [group] = Object.values(stateGroups(state));
      expect(group!.window!.length).toBeLessThanOrEqual(MAX_WINDOW_ENTRIES);
      // One more event (the one that reaches the threshold) and the alert holds at most its cap.
      expect(heldLogIds(state)).toBeLessThanOrEqual(MAX_ALERT_LOG_IDS - 1);
      expect(group!.window!.reduce((sum, entry) => sum + (entry[5] ?? 1), 0)).toBe(flood.length);
    }
  });
});
