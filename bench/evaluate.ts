import { parseLogEvent, type LogEvent } from '../src/auth0/log-event.js';
import { loadCatalog } from '../src/catalog/index.js';
import { compileRules, evaluate, initialState, loadRules } from '../src/engine/index.js';
import { makeLogId } from '../test/e2e/standins/auth0.js';
import { TrafficGenerator } from '../test/helpers/e2e-traffic.js';

export interface EvaluateResult {
  /** Events per evaluate() call: 100 is what the poller feeds, bigger is replay-like. */
  batch: number;
  events: number;
  alerts: number;
  seconds: number;
  eventsPerSecond: number;
}

/**
 * Realistic traffic for the engine: steady logins and failures with breached
 * passwords, plus a credential-stuffing burst every 10,000 events (so that
 * threshold windows, distinct counts and repeats are exercised, not just misses).
 */
export function benchTraffic(total: number, seed = 7): LogEvent[] {
  const traffic = new TrafficGenerator({ seed });
  const raw = [];
  while (raw.length < total) {
    raw.push(...traffic.steady(9_500, 5));
    raw.push(...traffic.stuffing({ ips: ['203.0.113.7', '203.0.113.8'], users: 300, events: 500 }));
  }
  return raw.slice(0, total).map((event, i) => {
    const parsed = parseLogEvent({ ...event, log_id: makeLogId(Date.parse(event.date), i + 1) });
    if (!parsed.ok) throw new Error(`bench traffic event ${i} is malformed: ${parsed.problem}`);
    return parsed.event;
  });
}

/** Events per second through the default rules, `batch` events per evaluate() call (the poller's page is 100). */
export function benchEvaluate(rulesDir: string, total = 200_000, batch = 100): EvaluateResult {
  const catalog = loadCatalog();
  const loaded = loadRules(rulesDir, catalog);
  if (loaded.problems.length > 0) throw new Error(`rules in ${rulesDir} have problems: ${loaded.problems.join('; ')}`);
  const ruleSet = compileRules(loaded.rules, catalog);
  const events = benchTraffic(total);
  const pass = () => {
    let state = initialState();
    let alerts = 0;
    for (let i = 0; i < events.length; i += batch) {
      const result = evaluate(ruleSet, state, events.slice(i, i + batch));
      state = result.state;
      alerts += result.alerts.length;
    }
    return alerts;
  };
  pass(); // warm-up: JIT and caches, as in a long-running bot
  const started = performance.now();
  const alerts = pass();
  const seconds = (performance.now() - started) / 1000;
  return { batch, events: events.length, alerts, seconds, eventsPerSecond: events.length / seconds };
}

export interface FloodResult {
  /** Failed logins, each from a new IP. */
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Groups the state holds at the end (the cap is MAX_GROUPS). */
  groups: number;
}

/**
 * A wide flood through the default rules in pages of 100: every failed login
 * from a new IP (100,000 IPs in ~8 minutes), so every event opens groups and
 * the state sits at its cap, evicting all along.
 */
export function benchFlood(rulesDir: string, total = 100_000): FloodResult {
  const catalog = loadCatalog();
  const ruleSet = compileRules(loadRules(rulesDir, catalog).rules, catalog);
  const start = Date.parse('2024-03-01T12:00:00.000Z');
  const events = Array.from({ length: total }, (_, i) => {
    const t = start + i * 5;
    const raw = { type: 'fp', ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, user_name: `victim${i % 997}@example.com`, description: 'Wrong email or password.', date: new Date(t).toISOString(), log_id: makeLogId(t, i + 1) };
    const parsed = parseLogEvent(raw);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.event;
  });
  const pass = () => {
    let state = initialState();
    for (let i = 0; i < events.length; i += 100) state = evaluate(ruleSet, state, events.slice(i, i + 100)).state;
    return state;
  };
  pass(); // warm-up
  const started = performance.now();
  const state = pass();
  const seconds = (performance.now() - started) / 1000;
  return { events: total, seconds, eventsPerSecond: total / seconds, groups: state.size };
}
