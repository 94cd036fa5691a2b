import type { LogEvent } from '../../src/auth0/log-event.js';
import type { Catalog, CatalogEntry } from '../../src/catalog/types.js';
import { compileRules, RuleSchema, testLogId, type Rule, type RuleSet } from '../../src/engine/index.js';

/** A catalog that knows only the given codes (to test globs against codes it lacks). */
export function fakeCatalog(codes: readonly string[]): Catalog {
  const entries: CatalogEntry[] = [...codes].sort().map((code) => ({
    code,
    name: code,
    description: `${code} event`,
    category: 'test',
    outcome: 'info',
    severity: 'info',
    docsUrl: null,
    legacy: false,
    privateCloudOnly: false,
    sourceCategories: [],
    keywords: [],
  }));
  const byCode = new Map(entries.map((entry) => [entry.code, entry]));
  return {
    get: (query) => byCode.get(query.trim()),
    all: () => entries,
    search: () => [],
    suggest: (query) => entries.filter((entry) => entry.code.replace(/_/g, '') === query.replace(/_/g, '')).map((e) => e.code),
  };
}

export const T0 = Date.parse('2024-05-01T12:00:00.000Z');
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;

/** Builds Auth0-shaped events with increasing log ids; `at` is ms after T0. */
export function eventFactory() {
  let sequence = 0;
  return (at: number, fields: Partial<LogEvent> & Record<string, unknown> = {}): LogEvent => {
    sequence += 1;
    const time = T0 + at;
    return {
      type: 'fp',
      ip: '203.0.113.7',
      user_id: 'auth0|alice',
      user_name: 'alice@example.com',
      connection: 'Username-Password-Authentication',
      description: 'Wrong email or password.',
      ...fields,
      date: new Date(time).toISOString(),
      log_id: testLogId(time, sequence),
    } as LogEvent;
  };
}

/** A rule from a plain object (through the real schema, so defaults apply). */
export function makeRule(fields: Record<string, unknown>): Rule {
  return RuleSchema.parse({ id: 'test-rule', severity: 'high', match: { codes: ['fp'] }, ...fields });
}

export function ruleSet(rules: Array<Record<string, unknown>>, catalog: Catalog = fakeCatalog(['f', 'fp', 'fu', 's', 'pwd_leak'])): RuleSet {
  return compileRules(rules.map(makeRule), catalog);
}
