import { describe, expect, it } from 'vitest';
import { cloneState, closeIncidents, evaluate, initialState, stateGroups, takeChangedBuckets, type Alert } from '../../src/engine/index.js';
import { bucketOf } from '../../src/engine/state.js';
import { eventFactory, MINUTE, ruleSet, SECOND } from '../helpers/engine-fixtures.js';

const kinds = (alerts: Alert[]) => alerts.map((alert) => alert.kind);

describe('closeIncidents (Resolve in Slack)', () => {
  it('the next match after a resolve opens a new incident inside the throttle, without reporting suppressed repeats', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'wide', match: { codes: ['fp'] }, throttle: '1h' }]);
    const first = evaluate(set, initialState(), [ev(0), ev(MINUTE)]);
    expect(kinds(first.alerts)).toEqual(['alert', 'repeat']);
    const incident = first.alerts[0]!.incident;

    // Without the resolve: a repeat of the open incident.
    expect(kinds(evaluate(set, cloneState(first.state), [ev(2 * MINUTE)]).alerts)).toEqual(['repeat']);

    const closed = closeIncidents(first.state, [incident, 'not-open:anywhere']);
    expect(closed.closed).toEqual([incident]);
    const after = evaluate(set, closed.state, [ev(2 * MINUTE + SECOND)]);
    expect(kinds(after.alerts)).toEqual(['alert']);
    expect(after.alerts[0]!.incident).not.toBe(incident);
    expect(after.alerts[0]!.suppressed).toBe(0);
    expect(after.alerts[0]!.incidentCount).toBe(1);
  });

  it('a threshold rule needs the threshold reached again after a resolve', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'burst', match: { codes: ['fp'] }, threshold: { count: 3, window: '5m', group_by: ['ip'] }, throttle: '1h' }]);
    const first = evaluate(set, initialState(), [ev(0), ev(SECOND), ev(2 * SECOND)]);
    expect(kinds(first.alerts)).toEqual(['alert']);
    const { state } = closeIncidents(first.state, [first.alerts[0]!.incident]);
    expect(evaluate(set, cloneState(state), [ev(3 * SECOND), ev(4 * SECOND)]).alerts).toEqual([]);
    expect(kinds(evaluate(set, state, [ev(3 * SECOND), ev(4 * SECOND), ev(5 * SECOND)]).alerts)).toEqual(['alert']);
  });

  it('closes in place, noting only the bucket it wrote; unknown ids change nothing', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'wide', match: { codes: ['fp'] }, throttle: { period: '1h', by: ['ip'] } }]);
    const { alerts, state } = evaluate(set, initialState(), [ev(0, { ip: '198.51.100.1' }), ev(SECOND, { ip: '198.51.100.2' })]);
    takeChangedBuckets(state);
    const before = JSON.stringify(state);
    expect(closeIncidents(state, ['nope'])).toEqual({ state, closed: [] });
    expect(JSON.stringify(state)).toBe(before);
    expect(takeChangedBuckets(state)).toEqual([]);

    const result = closeIncidents(state, [alerts[0]!.incident]);
    expect(result.state).toBe(state);
    const open = Object.values(stateGroups(state)).filter((group) => group.incident);
    expect(open.map((group) => group.incident!.id)).toEqual([alerts[1]!.incident]);
    // The serialiser re-writes exactly the bucket of the closed group.
    expect(takeChangedBuckets(state)).toEqual([bucketOf('wide\u0000198.51.100.1')]);
  });

  it('a group whose incident was resolved is pruned once nothing is left in it, though it was indexed to live for the throttle', () => {
    const ev = eventFactory();
    const set = ruleSet([{ id: 'wide', match: { codes: ['fp'] }, throttle: { period: '1h', by: ['ip'] } }]);
    const first = evaluate(set, initialState(), [ev(0, { ip: '198.51.100.1' })]);
    closeIncidents(first.state, [first.alerts[0]!.incident]);
    // Resolved: no incident, no carry; half an hour later (inside the throttle it was indexed for) pruning forgets it.
    const later = evaluate(set, first.state, [ev(30 * MINUTE, { ip: '198.51.100.2' })]);
    expect(Object.keys(stateGroups(later.state))).toEqual(['wide\u0000198.51.100.2']);
  });
});
