// The table of sequence keys (first-value-index.ts) is carried from call to call with the state, and a
// later step's event finds its group through it alone: a group it missed would never see its logins
// again, and one it kept after the group went would grow it for good. After every way a group goes
// (pruned, evicted, its rule removed) and comes back, the carried table must equal one built afresh.
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { takeIndexes } from '../../src/engine/activity-index.js';
import { FirstValueIndex } from '../../src/engine/first-value-index.js';
import { asBucket, bucketOf, type StepEntry } from '../../src/engine/state.js';
import { evaluate, initialState, MAX_GROUPS, restoreState, stateGroups, type Alert, type EngineState, type RuleSet } from '../../src/engine/index.js';
import { eventFactory, MINUTE, SECOND, ruleSet } from '../helpers/engine-fixtures.js';

const guessedRule = {
  id: 'guessed',
  match: undefined,
  sequence: { by: ['user_name'], within: '10m', steps: [{ codes: ['f', 'fp'], count: 5 }, { codes: ['s'] }] },
};
// Keyed on two fields: the table only says whether a first value has a group; the key is built.
const fromIpRule = {
  id: 'guessed-from-ip',
  match: undefined,
  sequence: { by: ['user_name', 'ip'], within: '10m', steps: [{ codes: ['f', 'fp'], count: 5 }, { codes: ['s'] }] },
};
const both = ruleSet([guessedRule, fromIpRule]);
const onlyTwoFields = ruleSet([fromIpRule]);

const event = eventFactory();
const failures = (user: string, from: number, count = 5) =>
  Array.from({ length: count }, (_, i) => event(from + i * 10 * SECOND, { type: 'fp', user_name: user, ip: '203.0.113.7' }));
const login = (user: string, at: number) => event(at, { type: 's', user_name: user, ip: '203.0.113.7' });
const fired = (alerts: Alert[]) => alerts.filter((alert) => alert.kind === 'alert').map((alert) => [alert.ruleId, alert.group, alert.count]);

/** Evaluates in pages of 100 on one state object, as the intake does (the table is carried). */
function inPages(set: RuleSet, state: EngineState, events: readonly LogEvent[]): Alert[] {
  const alerts: Alert[] = [];
  for (let i = 0; i < events.length; i += 100) alerts.push(...evaluate(set, state, events.slice(i, i + 100)).alerts);
  return alerts;
}

/** The carried table equals one built from the state as it stands (takes it: the next call rebuilds its own). */
function expectTableOfState(set: RuleSet, state: EngineState): void {
  const carried = takeIndexes(state).firstValues;
  expect(carried).toBeDefined();
  const buckets = state.buckets.map(asBucket);
  const built = FirstValueIndex.build(set.sequenceKeyFields, buckets);
  expect(carried!.keyTable()).toEqual(built.keyTable());
  expect(carried!.countTable()).toEqual(built.countTable());
  // A LiveGroup it holds is the one attached to its group, about the group as it stands.
  for (const live of carried!.heldLiveGroups()) {
    const bucket = buckets[bucketOf(live.key)]!;
    const at = bucket.find(live.key);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(bucket.liveAt(at)).toBe(live);
    expect(bucket.groupAt(at)).toBe(live.state);
  }
}

describe('the table of sequence keys carried with the state', () => {
  it('forgets pruned keys and learns them again when they start anew', () => {
    const state = initialState();
    const early = [...failures('alice@example.com', 0, 3), ...failures('bob@example.com', 0, 3)];
    // An hour later both keys were pruned; alice starts again and her password is guessed.
    const later = [...failures('alice@example.com', 60 * MINUTE), login('alice@example.com', 62 * MINUTE), login('bob@example.com', 62 * MINUTE)];
    expect(fired(inPages(both, state, [...early, ...later]))).toEqual([
      ['guessed', { user_name: 'alice@example.com' }, 6],
      ['guessed-from-ip', { user_name: 'alice@example.com', ip: '203.0.113.7' }, 6],
    ]);
    expect(JSON.stringify(stateGroups(state))).not.toContain('bob@example.com');
    expectTableOfState(both, state);
  });

  it('forgets evicted keys, and a key evicted then started anew completes', { timeout: 60_000 }, () => {
    const state = initialState();
    inPages(both, state, failures('alice@example.com', 0, 3));
    // One failure each for more users than the state holds: alice's unfinished sequence is evicted first.
    const flood = Array.from({ length: MAX_GROUPS }, (_, i) => event(MINUTE + i * 10, { type: 'fp', user_name: `user${i}@example.com` }));
    inPages(both, state, flood);
    expect(stateGroups(state)['guessed\u0000alice@example.com']).toBeUndefined();
    expectTableOfState(both, state);
    // Two failures short of five since the eviction: quiet; five more: her next login completes the
    // sequence, the earlier failures and login counted with it (3 + 1 + 5 + 1).
    const again = [...failures('alice@example.com', 3 * MINUTE, 3), login('alice@example.com', 4 * MINUTE)];
    expect(fired(inPages(both, state, again))).toEqual([]);
    const guessed = [...failures('alice@example.com', 5 * MINUTE), login('alice@example.com', 6 * MINUTE)];
    expect(fired(inPages(both, state, guessed)).map(([rule, , count]) => [rule, count])).toEqual([
      ['guessed', 10],
      ['guessed-from-ip', 10],
    ]);
    expectTableOfState(both, state);
  });

  it('is rebuilt for other rules: a rule added finds its keys, a rule removed and back forgets them', () => {
    const state = initialState();
    inPages(onlyTwoFields, state, failures('carol@example.com', 0, 1));
    // The one-field rule is added: its keys are learnt from the start.
    const added = inPages(both, state, [...failures('alice@example.com', MINUTE), login('alice@example.com', 3 * MINUTE)]);
    expect(fired(added).map(([rule]) => rule)).toEqual(['guessed', 'guessed-from-ip']);
    // It is removed for an hour (its groups pruned), then comes back: alice is a stranger again.
    inPages(onlyTwoFields, state, failures('carol@example.com', 60 * MINUTE, 1));
    expect(Object.values(stateGroups(state)).map((group) => group.rule)).toEqual(['guessed-from-ip']);
    expect(fired(inPages(both, state, [login('alice@example.com', 61 * MINUTE)]))).toEqual([]);
    expectTableOfState(both, state);
  });

  it('is built from a state restored from storage as the carried one would be', () => {
    const events = [...failures('alice@example.com', 0), ...failures('bob@example.com', 0, 4), login('alice@example.com', 2 * MINUTE), login('bob@example.com', 2 * MINUTE)];
    const carried = initialState();
    const carriedAlerts = inPages(both, carried, events);
    let stored = JSON.stringify(initialState());
    const restoredAlerts: Alert[] = [];
    for (const one of events) {
      const result = evaluate(both, restoreState(stored), [one]);
      restoredAlerts.push(...result.alerts);
      stored = JSON.stringify(result.state);
    }
    expect(fired(carriedAlerts)).toHaveLength(2);
    expect(fired(restoredAlerts)).toEqual(fired(carriedAlerts));
    expect(stored).toBe(JSON.stringify(carried));
  });

  it('finds a key whose value holds the separator of group keys', () => {
    const odd = 'alice\u0000admin@example.com';
    const { alerts } = evaluate(both, initialState(), [...failures(odd, 0), login(odd, 2 * MINUTE), login('alice', 2 * MINUTE)]);
    expect(fired(alerts).map(([rule, group]) => [rule, group])).toEqual([
      ['guessed', { user_name: odd }],
      ['guessed-from-ip', { user_name: odd, ip: '203.0.113.7' }],
    ]);
  });

  it('finds a group by its key even when its record names other fields (a state kept across a change of the rule)', () => {
    // Stored while the rule was keyed on the user id under the same key value, then the rule changed.
    const held = failures('alice@example.com', 0).map((failure): StepEntry => [Date.parse(failure.date), failure.log_id, 1, 'alice@example.com', '203.0.113.7', null, null]);
    const state = restoreState({
      version: 1,
      clock: held[4]![0],
      groups: { 'guessed\u0000alice@example.com': { rule: 'guessed', group: { user_id: 'alice@example.com' }, steps: held } },
    });
    const { alerts } = evaluate(both, state, [login('alice@example.com', 2 * MINUTE)]);
    expect(fired(alerts)).toEqual([['guessed', { user_id: 'alice@example.com' }, 6]]);
  });
});
