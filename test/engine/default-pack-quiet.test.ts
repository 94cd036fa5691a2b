import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLogEvent, type LogEvent } from '../../src/auth0/log-event.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { demoEvents } from '../../src/demo/sample.js';
import { applyProfiles, compileRules, evaluate, initialState, loadRules, type Alert, type Profile } from '../../src/engine/index.js';
import { makeLogId } from '../e2e/standins/auth0.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';

// Issue 13: the default pack stays quiet on ordinary traffic — the bundled
// demo sample, the public sample logs and the e2e steady traffic raise no
// alert from the rules it added (the first release's rules fire as before).
const catalog = loadCatalog();
const rules = loadRules('rules', catalog).rules;
const ruleSet = compileRules(rules, catalog);
const FIRST_RELEASE = new Set([
  'breached-password', 'ip-blocked', 'account-blocked', 'brute-force-by-ip', 'credential-stuffing', 'mfa-rate-limit',
  'mfa-push-fatigue', 'sms-pumping', 'refresh-token-reuse', 'connector-offline', 'security-settings-changed', 'rate-limits',
]);

/** Pages of 100 with state and profiles carried, as the poller runs them; the rule ids that opened incidents. */
function alertingRules(events: readonly LogEvent[]): Alert[] {
  let state = initialState();
  const profiles = new Map<string, Profile>();
  const alerts: Alert[] = [];
  for (let i = 0; i < events.length; i += 100) {
    const result = evaluate(ruleSet, state, events.slice(i, i + 100), profiles);
    state = result.state;
    applyProfiles(profiles, result.profiles);
    alerts.push(...result.alerts.filter((alert) => alert.kind === 'alert'));
  }
  return alerts;
}

const fromNewRules = (alerts: Alert[]) => alerts.filter((alert) => !FIRST_RELEASE.has(alert.ruleId)).map((alert) => `${alert.ruleId}: ${alert.title}`);

function steady(seed: number, batches: Array<[number, number]>): LogEvent[] {
  const traffic = new TrafficGenerator({ seed });
  const raw = batches.flatMap(([total, breached]) => traffic.steady(total, breached));
  return raw.map((event, i) => {
    const parsed = parseLogEvent({ ...event, log_id: makeLogId(Date.parse(event.date), i + 1) });
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.event;
  });
}

describe('the default pack on ordinary traffic', () => {
  it('adds no alert to the bundled demo sample (its brute force and lockouts still alert as before)', () => {
    const alerts = alertingRules(demoEvents());
    expect(new Set(alerts.map((alert) => alert.ruleId))).toEqual(new Set(['breached-password', 'account-blocked', 'brute-force-by-ip', 'ip-blocked', 'security-settings-changed']));
    expect(fromNewRules(alerts)).toEqual([]);
  });

  it('raises nothing on the public sample logs (a client update with implicit grant, a Dashboard secret view, a read-only grant)', () => {
    const raw = JSON.parse(readFileSync('test/fixtures/events/auth0-logs-public.json', 'utf8')) as unknown[];
    const events = raw.map((item) => parseLogEvent(item)).flatMap((parsed) => (parsed.ok ? [parsed.event] : []));
    expect(events).toHaveLength(raw.length);
    expect(alertingRules(events).map((alert) => alert.ruleId)).toEqual([]);
  });

  it.each([
    // the batches of the e2e steady scenario
    ['the e2e steady scenario', 11, [[200, 4], [150, 3], [150, 3]] as Array<[number, number]>],
    // hours of the same traffic: every user fails now and then and logs in often
    ['30,000 events of steady traffic', 3, [[30_000, 300]] as Array<[number, number]>],
  ])('adds no alert to %s', (_name, seed, batches) => {
    const alerts = alertingRules(steady(seed, batches));
    expect(alerts.length).toBeGreaterThan(0); // its breached passwords are alerted
    expect(fromNewRules(alerts)).toEqual([]);
  });
});
