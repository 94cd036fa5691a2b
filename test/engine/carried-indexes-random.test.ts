// The sequence index (first-value-index.ts) holds each one-field group's LiveGroup and is carried from
// call to call: under random traffic — pages of any size, pruning, eviction, closed incidents, rules
// switched and back — the carried index must equal one built afresh from the state after every page,
// each LiveGroup it holds must be the one attached to its group, and evaluating with it must give the
// alerts and state of evaluating with an index built afresh for every call (the state after every page:
// the expiry index, carried too, must prune the same groups).
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { keepIndexes, takeIndexes } from '../../src/engine/activity-index.js';
import { FirstValueIndex } from '../../src/engine/first-value-index.js';
import { asBucket, bucketOf } from '../../src/engine/state.js';
import { closeIncidents, evaluate, initialState, MAX_GROUPS, type Alert, type EngineState, type RuleSet } from '../../src/engine/index.js';
import { seeded } from '../helpers/engine-traffic.js';
import { eventFactory, MINUTE, SECOND, ruleSet } from '../helpers/engine-fixtures.js';

const steps = [{ codes: ['f', 'fp'], count: 3 }, { codes: ['s'] }];
const byUser = { id: 'by-user', match: undefined, sequence: { by: ['user_name'], within: '5m', steps } };
const byIp = { id: 'by-ip', match: undefined, sequence: { by: ['ip'], within: '10m', steps } };
const byUserAndIp = { id: 'by-user-ip', match: undefined, sequence: { by: ['user_name', 'ip'], within: '5m', steps } };
const all = ruleSet([byUser, byIp, byUserAndIp]);
const some = ruleSet([byIp, byUserAndIp]);

const event = eventFactory();
const summary = (alerts: Alert[]) => alerts.map((alert) => [alert.kind, alert.ruleId, alert.group, alert.count]);

/** Checks the index carried with `state` against one built from it, and hands it back to be carried on. */
function expectExactIndex(set: RuleSet, state: EngineState): void {
  const indexes = takeIndexes(state);
  const carried = indexes.firstValues;
  if (carried) {
    const buckets = state.buckets.map(asBucket);
    const built = FirstValueIndex.build(set.sequenceKeyFields, buckets);
    expect(carried.keyTable()).toEqual(built.keyTable());
    expect(carried.countTable()).toEqual(built.countTable());
    for (const live of carried.heldLiveGroups()) {
      const bucket = buckets[bucketOf(live.key)]!;
      const at = bucket.find(live.key);
      expect(bucket.liveAt(at)).toBe(live);
      expect(bucket.groupAt(at)).toBe(live.state);
    }
  }
  keepIndexes(state, indexes);
}

describe('the indexes carried with the state, under random traffic', () => {
  it('stay exact and evaluate as indexes built afresh do', { timeout: 120_000 }, () => {
    const random = seeded(21);
    const pick = (below: number) => Math.floor(random() * below);
    const state = initialState();
    const fresh = initialState(); // its indexes dropped before every call
    let clock = 0;
    let held = 0;
    for (let page = 0; page < 400; page++) {
      const events: LogEvent[] = [];
      if (page === 200) {
        // More users than the state holds: eviction.
        for (let i = 0; i < MAX_GROUPS; i++) events.push(event(clock + i, { type: 'fp', user_name: `flood${i}@example.com`, ip: `198.51.${i >> 8}.${i & 255}` }));
        clock += MAX_GROUPS;
      }
      for (let n = 1 + pick(40); n > 0; n--) {
        clock += pick(15 * SECOND);
        if (random() < 0.01) clock += 20 * MINUTE; // everything held expires: pruning
        // Now and then an event dated a little earlier than the clock (reordered).
        const at = random() < 0.1 ? clock - pick(5 * MINUTE) : clock;
        events.push(event(at, { type: random() < 0.5 ? 'fp' : 's', user_name: `user${pick(30)}@example.com`, ip: `203.0.113.${pick(6)}` }));
      }
      const set = page % 50 === 49 ? some : all; // a rule removed for one page and back
      const got = evaluate(set, state, events).alerts;
      takeIndexes(fresh);
      expect(summary(got)).toEqual(summary(evaluate(set, fresh, events).alerts));
      held += takeIndexes(fresh).firstValues?.heldLiveGroups().length ?? 0;
      expectExactIndex(set, state);
      // The same groups pruned and evicted at the same events (the expiry and activity indexes carried too).
      expect(JSON.stringify(state)).toBe(JSON.stringify(fresh));
      if (random() < 0.05) {
        const open = got.filter((alert) => alert.kind === 'alert').map((alert) => alert.incident);
        closeIncidents(state, open);
        closeIncidents(fresh, open);
      }
    }
    expect(JSON.stringify(state)).toBe(JSON.stringify(fresh));
    expect(held).toBeGreaterThan(0); // (the index did hold LiveGroups)
  });
});
