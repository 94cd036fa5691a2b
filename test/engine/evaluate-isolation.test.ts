import { describe, expect, it } from 'vitest';
import { normalizeLogEvent, type LogEvent } from '../../src/auth0/log-event.js';
import { evaluate, initialState, type RuleSet } from '../../src/engine/index.js';
import { eventFactory, ruleSet } from '../helpers/engine-fixtures.js';

/** Issue 11: a single event can never throw out of a page's evaluation; it is reported and skipped. */
describe('evaluate: one event cannot fail the page', () => {
  it('skips (and reports) an event whose evaluation throws, and evaluates the others', () => {
    const rules = ruleSet([{ id: 'every-failure', match: { codes: ['fp'] } }]);
    const poisoned = 'poisoned@example.com';
    const rule = rules.rules[0]!;
    // A fault in a matcher (the injected bug): it throws for one event only.
    const faulty: RuleSet = {
      ...rules,
      byCode: new Map([['fp', [{ ...rule, matches: (event: object) => {
        if ((event as LogEvent).user_name === poisoned) throw new RangeError('Maximum call stack size exceeded');
        return rule.matches(event);
      } }]]]),
    };
    const event = eventFactory();
    const events = [event(0, { user_name: 'a@example.com' }), event(1_000, { user_name: poisoned }), event(2_000, { user_name: 'b@example.com' })];
    const result = evaluate(faulty, initialState(), events);
    expect(result.skipped).toEqual([{ logId: events[1]!.log_id, problem: 'Maximum call stack size exceeded' }]);
    expect(result.alerts.flatMap((alert) => alert.logIds)).toEqual([events[0]!.log_id, events[2]!.log_id]);
  });

  it('a 10,000-level nested event is alerted, bounded, and its alert serialises (issue 11, point 3)', () => {
    let details: unknown = { leaf: 'x' };
    for (let i = 0; i < 10_000; i++) details = { nested: details };
    const rules = ruleSet([{ id: 'deep', match: { codes: ['fp'] }, throttle: { period: '1h', by: ['details'] } }]);
    const raw = { ...eventFactory()(0), details, user_name: details };
    // The raw event itself cannot be stored: this is what crashed `run` at every restart.
    expect(() => JSON.stringify(raw)).toThrow(RangeError);
    const parsed = normalizeLogEvent(raw);
    expect(parsed.ok).toBe(true);
    const { alerts, skipped } = evaluate(rules, initialState(), [(parsed as { event: LogEvent }).event]);
    expect(skipped).toEqual([]);
    expect(alerts).toHaveLength(1);
    const stored = JSON.stringify(alerts[0]);
    expect(stored.length).toBeLessThan(5_000);
    expect(alerts[0]!.event).not.toHaveProperty('details');
    expect(alerts[0]!.group.details!.startsWith('{"nested":{"nested":')).toBe(true);
  });
});
