import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, evaluate, initialState, loadRules, REORDER_TOLERANCE_MS, stateGroups, type Alert, type EngineState } from '../../src/engine/index.js';
import { PRUNE_INTERVAL_MS } from '../../src/engine/evaluate.js';
import { credentialStuffingBurst } from '../helpers/engine-traffic.js';

const catalog = loadCatalog();
const ruleSet = compileRules(loadRules('rules', catalog).rules, catalog);
const HOUR = 3_600_000;

/** Feeds events the way the poller does: pages of 100, state carried across. */
function pollInPages(events: readonly { log_id: string }[], state: EngineState = initialState()) {
  const alerts: Alert[] = [];
  for (let i = 0; i < events.length; i += 100) {
    const result = evaluate(ruleSet, state, events.slice(i, i + 100) as never);
    alerts.push(...result.alerts);
    state = result.state;
  }
  return { alerts, state };
}

const ofRule = (alerts: Alert[], ruleId: string) => alerts.filter((alert) => alert.ruleId === ruleId);

describe('a credential-stuffing burst through the default rules', () => {
  const start = Date.parse('2024-03-01T09:00:00Z');
  const burst = credentialStuffingBurst({ start, minutes: 30, attackers: 3 });

  it('alerts about once per attacking IP and reports every attacker', () => {
    expect(burst.events.length).toBeGreaterThan(5_000);
    const { alerts } = pollInPages(burst.events);
    const stuffing = ofRule(alerts, 'credential-stuffing');
    const opened = stuffing.filter((alert) => alert.kind === 'alert');
    expect(opened.map((alert) => alert.group.ip).sort()).toEqual(burst.attackerIps);
    expect(opened.every((alert) => alert.severity === 'critical' && alert.threshold?.distinctCount === 10)).toBe(true);
    // Brute force sees the same IPs: one alert each, the rest threaded.
    const brute = ofRule(alerts, 'brute-force-by-ip').filter((alert) => alert.kind === 'alert');
    expect(brute.map((alert) => alert.group.ip).sort()).toEqual(burst.attackerIps);
    // Ordinary users, including their mistyped passwords, never alert.
    expect(alerts.filter((alert) => alert.kind === 'alert')).toHaveLength(opened.length + brute.length);
  });

  it('counts every attack event exactly once across the alert and its repeats', () => {
    const { alerts } = pollInPages(burst.events);
    const stuffing = ofRule(alerts, 'credential-stuffing');
    expect(stuffing.reduce((sum, alert) => sum + alert.count, 0)).toBe(burst.attackEvents);
    const reported = stuffing.flatMap((alert) => alert.logIds);
    expect(new Set(reported).size).toBe(reported.length);
    // At most one repeat per incident per page of 100 events.
    const pages = Math.ceil(burst.events.length / 100);
    expect(stuffing.filter((alert) => alert.kind === 'repeat').length).toBeLessThanOrEqual(pages * burst.attackerIps.length);
  });

  it('opens new incidents for a second burst after a quiet period, reporting what was suppressed', () => {
    const first = pollInPages(burst.events);
    const again = credentialStuffingBurst({ start: start + 2 * HOUR, minutes: 15, attackers: 3, seed: 7 });
    const { alerts, state } = pollInPages(again.events, first.state);
    const opened = ofRule(alerts, 'credential-stuffing').filter((alert) => alert.kind === 'alert');
    expect(opened).toHaveLength(3);
    const firstRepeats = ofRule(first.alerts, 'credential-stuffing').filter((a) => a.kind === 'repeat');
    const suppressedBefore = firstRepeats.reduce((sum, alert) => sum + alert.count, 0);
    expect(opened.reduce((sum, alert) => sum + alert.suppressed, 0)).toBe(suppressedBefore);
    // State holds only what open incidents, carries and live windows or sequences need, not the traffic:
    // every group left has one of them (entries are kept for their span, the reorder tolerance and
    // at most one pruning interval more) …
    const spanOf = new Map(ruleSet.rules.map((rule) => [rule.id, rule.threshold?.windowMs ?? rule.sequence?.withinMs ?? 0]));
    const throttleOf = new Map(ruleSet.rules.map((rule) => [rule.id, rule.throttleMs ?? 0]));
    const stale = Object.values(stateGroups(state)).filter((group) => {
      const entries = group.window ?? group.steps ?? [];
      const newest = entries.length > 0 ? entries[entries.length - 1]![0] : -Infinity;
      const incidentOpen = !!group.incident && state.clock < group.incident.lastMatch + throttleOf.get(group.rule)!;
      return !incidentOpen && !group.carry && !group.incident && newest <= state.clock - spanOf.get(group.rule)! - REORDER_TOLERANCE_MS - PRUNE_INTERVAL_MS;
    });
    expect(stale).toEqual([]);
    // … and two hours of ordinary traffic later, nothing of the attack is left but its incidents' carries.
    const quiet = pollInPages(credentialStuffingBurst({ start: start + 4 * HOUR, minutes: 10, attackers: 0, seed: 9 }).events, state);
    const ofAttack = Object.values(stateGroups(quiet.state)).filter(
      (group) => again.attackerIps.includes(group.group.ip ?? '') || String(group.group.user_name ?? '').startsWith('victim'),
    );
    expect(ofAttack.length).toBeGreaterThan(0);
    // No window or sequence progress and no open incident: only what the next alert reports as suppressed
    // (a carry, or a closed incident's repeats not yet turned into one).
    const openOrCounting = ofAttack.filter(
      (group) => group.window || group.steps || !(group.carry || (group.incident && group.incident.repeats > 0 && quiet.state.clock >= group.incident.lastMatch + throttleOf.get(group.rule)!)),
    );
    expect(openOrCounting).toEqual([]);
    expect(JSON.stringify(quiet.state).length).toBeLessThan(200_000);
  });
});
