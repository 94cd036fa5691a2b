import { parseLogEvent, type LogEvent } from '../auth0/log-event.js';
import type { Catalog } from '../catalog/types.js';
import type { Alert } from './alert.js';
import { compileRules } from './compile.js';
import { durationMs } from './duration.js';
import { evaluate } from './evaluate.js';
import { isGlob } from './matchers.js';
import { ruleCodes, type Rule, type RuleTest, type TestEvent } from './rule-schema.js';
import { initialState } from './state.js';

export interface RuleTestResult {
  ruleId: string;
  name: string;
  passed: boolean;
  /** What differed, or why the test could not run; empty when passed. */
  failures: string[];
  alerts: Alert[];
}

/** Test events start here unless they carry their own `date`. */
export const TEST_START = Date.parse('2024-01-01T00:00:00.000Z');
const DEFAULT_GAP_MS = 1_000;

/** Auth0-style log id: "900" + YYYYMMDDhhmmss + a sequence, so ids sort like time then order. */
export function testLogId(time: number, sequence: number): string {
  const stamp = new Date(time).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `900${stamp}${String(sequence).padStart(39, '0')}`;
}

function fillIndex(value: unknown, index: number): unknown {
  if (typeof value === 'string') return value.replaceAll('{{i}}', String(index));
  if (Array.isArray(value)) return value.map((item) => fillIndex(item, index));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillIndex(item, index)]));
  }
  return value;
}

/**
 * Expands a test's event list: `repeat` copies `every` apart (`{{i}}` = copy number, from 1),
 * `after` gaps, and log_id/date/type filled in when absent.
 */
export function expandTestEvents(
  rule: Pick<Rule, 'match' | 'sequence'>,
  entries: readonly TestEvent[],
): { events: LogEvent[]; problems: string[] } {
  const defaultType = ruleCodes(rule).find((code) => !isGlob(code));
  const events: LogEvent[] = [];
  const problems: string[] = [];
  let clock = TEST_START - DEFAULT_GAP_MS;
  let sequence = 0;
  entries.forEach((entry, entryIndex) => {
    const gap = entry.after ? durationMs(entry.after) : DEFAULT_GAP_MS;
    const every = entry.every ? durationMs(entry.every) : DEFAULT_GAP_MS;
    for (let copy = 1; copy <= (entry.repeat ?? 1); copy++) {
      clock += copy === 1 ? gap : every;
      const filled = (entry.repeat ? fillIndex(entry.event, copy) : entry.event) as Record<string, unknown>;
      if (typeof filled.date === 'string' && !Number.isNaN(Date.parse(filled.date))) clock = Date.parse(filled.date);
      sequence += 1;
      const raw = {
        type: defaultType,
        ...filled,
        date: new Date(clock).toISOString(),
        log_id: typeof filled.log_id === 'string' ? filled.log_id : testLogId(clock, sequence),
      };
      const parsed = parseLogEvent(raw);
      if (parsed.ok) events.push(parsed.event);
      else if (problems.length < 5) problems.push(`events[${entryIndex}] copy ${copy}: ${parsed.problem}`);
    }
  });
  return { events, problems };
}

function sum(alerts: readonly Alert[], pick: (alert: Alert) => number): number {
  return alerts.reduce((total, alert) => total + pick(alert), 0);
}

function runOne(rule: Rule, test: RuleTest, catalog: Catalog): RuleTestResult {
  const { events, problems } = expandTestEvents(rule, test.events);
  const result = { ruleId: rule.id, name: test.name, alerts: [] as Alert[] };
  if (problems.length > 0) return { ...result, passed: false, failures: problems };
  // Tests exercise the rule even when it is disabled in production.
  const ruleSet = compileRules([{ ...rule, enabled: true }], catalog);
  const { alerts } = evaluate(ruleSet, initialState(), events);
  const firing = alerts.filter((alert) => alert.kind === 'alert');
  const repeats = alerts.filter((alert) => alert.kind === 'repeat');
  const expect = test.expect;
  const checks: Array<[string, unknown, unknown]> = [['alerts', expect.alerts, firing.length]];
  if (expect.repeats !== undefined) checks.push(['repeats', expect.repeats, repeats.length]);
  if (expect.counted !== undefined) checks.push(['counted', expect.counted, sum(alerts, (a) => a.count)]);
  if (expect.suppressed !== undefined) checks.push(['suppressed', expect.suppressed, sum(firing, (a) => a.suppressed)]);
  if (expect.title !== undefined) checks.push(['title', expect.title, firing[0]?.title]);
  const failures = checks
    .filter(([, wanted, got]) => wanted !== got)
    .map(([what, wanted, got]) => `expected ${what} ${JSON.stringify(wanted)}, got ${JSON.stringify(got)}`);
  return { ...result, alerts, passed: failures.length === 0, failures };
}

/** Runs a rule's in-file tests, each from a fresh state with all its events in one batch. */
export function runRuleTests(rule: Rule, catalog: Catalog): RuleTestResult[] {
  return (rule.tests ?? []).map((test) => runOne(rule, test, catalog));
}
