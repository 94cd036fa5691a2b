import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, evaluate, initialState, loadRules, MAX_GROUPS, restoreState, stateGroups, testLogId, type Alert, type EngineState } from '../../src/engine/index.js';

// A wide flood (every event from a new IP) through the default rules must not
// grow the state the poller rewrites on every page beyond MAX_GROUPS groups.
const catalog = loadCatalog();
const ruleSet = compileRules(loadRules('rules', catalog).rules, catalog);
const START = Date.parse('2024-03-01T12:00:00.000Z');
/** ~380 bytes of JSON per group with one window entry: the bound leaves a margin above that. */
const MAX_STATE_JSON = 2_500_000;
/** 100,000 and 20,000 events through the whole default pack: seconds on an idle machine, far more on a
 * loaded one. Time is the bench's business (`npm run bench -- --only flood`); here only the bound is. */
const HEAVY = { timeout: 180_000 };

let sequence = 0;
function failure(at: number, ip: string, user = `victim${sequence % 997}@example.com`): LogEvent {
  sequence += 1;
  const time = START + at;
  return { type: 'fp', ip, user_name: user, description: 'Wrong email or password.', date: new Date(time).toISOString(), log_id: testLogId(time, sequence) } as LogEvent;
}

function pollInPages(events: readonly LogEvent[], state: EngineState): { alerts: Alert[]; state: EngineState } {
  const alerts: Alert[] = [];
  for (let i = 0; i < events.length; i += 100) {
    const result = evaluate(ruleSet, state, events.slice(i, i + 100));
    alerts.push(...result.alerts);
    state = result.state;
  }
  return { alerts, state };
}

describe('state bound under a wide flood', () => {
  it('keeps 100,000 distinct IPs in 8 minutes under the group cap, and an open incident survives', HEAVY, () => {
    // 25 failures for 10 users from one IP: brute force and credential stuffing incidents open.
    const attack = Array.from({ length: 25 }, (_, i) => failure(i * 1_000, '198.51.100.9', `user${i % 10}@example.com`));
    const opened = pollInPages(attack, initialState());
    expect(opened.alerts.filter((alert) => alert.kind === 'alert').map((alert) => alert.ruleId).sort()).toEqual(['brute-force-by-ip', 'credential-stuffing']);

    const flood = Array.from({ length: 100_000 }, (_, i) => failure(30_000 + i * 5, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
    const { state } = pollInPages(flood, opened.state);
    expect(state.size).toBeLessThanOrEqual(MAX_GROUPS);
    expect(Object.keys(stateGroups(state))).toHaveLength(state.size);
    expect(JSON.stringify(state).length).toBeLessThan(MAX_STATE_JSON);

    // The attacker's incidents are still open: its next failure is a repeat, not a new alert.
    const next = evaluate(ruleSet, state, [failure(9 * 60_000, '198.51.100.9')]);
    expect(next.alerts.map((alert) => [alert.ruleId, alert.kind]).sort()).toEqual([
      ['brute-force-by-ip', 'repeat'],
      ['credential-stuffing', 'repeat'],
    ]);
  });
});

describe('eviction order', () => {
  it('evicts the same groups whether its activity index is carried from page to page or rebuilt from stored state', HEAVY, () => {
    const flood = Array.from({ length: 20_000 }, (_, i) => failure(i * 20, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `user${i % 37}@example.com`));
    const carried = pollInPages(flood, initialState());
    // The poller after a restart: every page starts from the stored JSON, so the index is rebuilt each time.
    let state = initialState();
    for (let i = 0; i < flood.length; i += 100) state = evaluate(ruleSet, restoreState(JSON.stringify(state)), flood.slice(i, i + 100)).state;
    expect(carried.state.size).toBeGreaterThan(MAX_GROUPS * 0.8);
    expect(stateGroups(state)).toEqual(stateGroups(carried.state));
  });
});
