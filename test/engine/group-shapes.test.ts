// Every group state has one object shape (state.ts groupState: every field set, undefined when
// absent, never deleted): evaluation reads `window`, `steps`, `incident` and `carry` of every group an
// event touches, and groups built field by field in the order events added them — or turned into
// dictionaries by `delete` — made those reads megamorphic (about a tenth of a steady pass's
// instructions through the default pack). Keys are compared in order: V8 gives objects the same
// shape only when their keys were added in the same order. The stored JSON must not change with it.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, evaluate, initialState, loadRules, restoreState, stateGroups, type EngineState } from '../../src/engine/index.js';
import { groupState } from '../../src/engine/state.js';
import { benchTraffic } from '../../bench/evaluate.js';
import { parseLogEvent, type LogEvent } from '../../src/auth0/log-event.js';
import { makeLogId } from '../e2e/standins/auth0.js';

const SHAPE = 'rule,group,window,steps,incident,carry';
const shapesOf = (state: EngineState) => new Set(Object.values(stateGroups(state)).map((group) => Object.keys(group).join(',')));

describe('group states', () => {
  const catalog = loadCatalog();
  const rules = compileRules(loadRules('rules', catalog).rules, catalog);
  // Enough of the bench's traffic for windows to fill and empty, sequences to complete, incidents to
  // open and groups to be pruned; then a brute force from one IP (an alert and its repeats) and, after
  // the throttle, one more failure from it: the incident closes and its repeats are carried.
  const bench = benchTraffic(24_000);
  const last = Date.parse(bench[bench.length - 1]!.date);
  const failure = (t: number, n: number): LogEvent => {
    const parsed = parseLogEvent({ type: 'fp', ip: '198.51.100.99', user_name: 'carol@example.com', date: new Date(t).toISOString(), log_id: makeLogId(t, bench.length + n) });
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.event;
  };
  const attack = Array.from({ length: 30 }, (_, n) => failure(last + 60_000 + n * 1_000, n + 1));
  const events = [...bench, ...attack, failure(last + 3 * 3_600_000, 31)];

  /** The traffic in pages; `shapes` and `seen` are gathered after every page. */
  const run = (pageSize: number, throughJson: boolean) => {
    let state = initialState();
    let alerts = 0;
    let repeats = 0;
    const shapes = new Set<string>();
    const seen = { window: 0, steps: 0, incident: 0, carry: 0, bare: 0 };
    for (let i = 0; i < events.length; i += pageSize) {
      const result = evaluate(rules, state, events.slice(i, i + pageSize));
      alerts += result.alerts.filter((alert) => alert.kind === 'alert').length;
      repeats += result.alerts.length - result.alerts.filter((alert) => alert.kind === 'alert').length;
      state = throughJson ? restoreState(JSON.stringify(result.state)) : result.state;
      for (const shape of shapesOf(state)) shapes.add(shape);
      for (const group of Object.values(stateGroups(state))) {
        if (group.window) seen.window += 1;
        if (group.steps) seen.steps += 1;
        if (group.incident) seen.incident += 1;
        if (group.carry) seen.carry += 1;
        if (!group.window && !group.steps) seen.bare += 1;
      }
    }
    return { state, alerts, repeats, shapes, seen };
  };

  it('have one shape, whichever fields a group has now or had before', () => {
    const { alerts, repeats, shapes, seen } = run(100, false);
    expect(alerts).toBeGreaterThan(10);
    expect(repeats).toBeGreaterThan(10);
    // Groups went through every kind of content: a window, steps, an open incident, a carry (a closed
    // incident's repeats), nothing but a record (a window or steps emptied).
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
    expect([...shapes]).toEqual([SHAPE]);
  });

  it('keep it when read back from storage, whatever order the stored JSON has', () => {
    const { state, shapes } = run(250, true);
    expect([...shapes]).toEqual([SHAPE]);
    const reordered = JSON.parse(JSON.stringify(state)) as { buckets: Array<Record<string, Record<string, unknown>>> };
    for (const bucket of reordered.buckets) {
      for (const key of Object.keys(bucket)) bucket[key] = Object.fromEntries(Object.entries(bucket[key]!).reverse());
    }
    const restored = restoreState(reordered);
    expect([...shapesOf(restored)]).toEqual([SHAPE]);
    expect(stateGroups(restored)).toEqual(stateGroups(state));
  });

  it('are stored without the fields they lack', () => {
    expect(JSON.stringify(groupState('brute-force-by-ip', { ip: '203.0.113.7' }))).toBe('{"rule":"brute-force-by-ip","group":{"ip":"203.0.113.7"}}');
    const { state } = run(100, false);
    for (const group of Object.values(JSON.parse(JSON.stringify(stateGroups(state))) as Record<string, Record<string, unknown>>)) {
      for (const value of Object.values(group)) expect(value).not.toBeNull();
    }
  });
});
