import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/catalog/index.js';
import { loadRuleFile, loadRuleLayers, runRuleTests } from '../src/engine/index.js';
import { WhereSchema } from '../src/engine/rule-schema.js';
import { buildWherePredicate } from '../src/engine/matchers.js';

/** The README's examples are what users copy: each must do what the text says. */
const readme = readFileSync('README.md', 'utf8');
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
const block = (start: string): string => {
  const found = yamlBlocks.find((text) => text.startsWith(start));
  if (!found) throw new Error(`README has no yaml block starting with ${start}`);
  return found;
};
const catalog = loadCatalog();

describe('README rule examples', () => {
  const ruleExample = block('id: brute-force-by-ip');

  it('the rule file example is valid and its own tests pass', () => {
    const loaded = loadRuleFile('example.yml', ruleExample, catalog);
    expect(loaded.problems).toEqual([]);
    const results = runRuleTests(loaded.rule!, catalog);
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((result) => !result.passed)).toEqual([]);
  });

  it('the in-file test format example passes on that rule, every expect key compared', () => {
    const tests = block('tests:\n  - name: a burst');
    const loaded = loadRuleFile('example.yml', ruleExample.replace(/tests:[\s\S]*/, '') + tests, catalog);
    expect(loaded.problems).toEqual([]);
    const expectKeys = Object.keys(loaded.rule!.tests![0]!.expect);
    expect(expectKeys.sort()).toEqual(['alerts', 'counted', 'repeats', 'suppressed', 'title']);
    const [result] = runRuleTests(loaded.rule!, catalog);
    expect(result?.failures).toEqual([]);
  });

  it('the layering worked example disables one default, re-routes another and adds yours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-'));
    writeFileSync(join(dir, 'defaults.yml'), block('# my-rules/defaults.yml'));
    writeFileSync(join(dir, 'admin-login.yml'), block('# my-rules/admin-login.yml'));
    const loaded = loadRuleLayers({ dirs: [dir] }, catalog);
    expect(loaded.problems).toEqual([]);
    // the rule of yours is shown in full, so that copying the example gives what `rules list` says: it passes its own tests
    expect(loaded.warnings).toEqual([]);
    const mine = loaded.layered.find((entry) => entry.rule.id === 'admin-login')!.rule;
    expect(runRuleTests(mine, catalog).map((result) => [result.name, result.passed])).toEqual([
      ['an admin login fires', true],
      ["other users' logins are quiet", true],
    ]);
    const origin = (id: string) => loaded.layered.find((entry) => entry.rule.id === id);
    expect(origin('rate-limits')?.origin.kind).toBe('disabled');
    expect(origin('brute-force-by-ip')).toMatchObject({ origin: { kind: 'overridden' }, rule: { channel: '#soc-oncall', severity: 'critical', mention: 'here' } });
    expect(origin('admin-login')?.origin.kind).toBe('yours');
  });

  it('the any/not example matches a login from outside DE/AT/CH or without a location, except the uptime robot', () => {
    const where = WhereSchema.parse((parse(block('where:\n  any:')) as { where: unknown }).where);
    const holds = buildWherePredicate(where);
    expect(holds({ location_info: { country_code: 'FR' } })).toBe(true);
    expect(holds({})).toBe(true);
    expect(holds({ location_info: { country_code: 'DE' } })).toBe(false);
    expect(holds({ location_info: { country_code: 'FR' }, user_agent: 'Uptime-Robot/2' })).toBe(false);
  });
});

describe('README rule kinds', () => {
  it('the sequence example is valid and its own tests pass', () => {
    const loaded = loadRuleFile('sequence.yml', block('id: password-guessed'), catalog);
    expect(loaded.problems).toEqual([]);
    expect(runRuleTests(loaded.rule!, catalog).filter((result) => !result.passed)).toEqual([]);
  });

  it('the cross-field sequence example joins a step keyed on another field, and its own tests pass', () => {
    const loaded = loadRuleFile('join.yml', block('id: password-ticket-used'), catalog);
    expect(loaded.problems).toEqual([]);
    expect(loaded.rule!.sequence!.steps[0]!.by).toEqual(['details.request.body.user_id']);
    const results = runRuleTests(loaded.rule!, catalog);
    expect(results.map((result) => result.passed)).toEqual([true, true]);
  });

  it.each([
    ['the impossible-travel example', 'id: impossible-travel', 'impossible_travel'],
    ['the first-seen example', 'id: new-country', 'new_value'],
  ])('%s is a valid rule of its kind', (_name, start, kind) => {
    const loaded = loadRuleFile('kind.yml', block(start), catalog);
    expect(loaded.problems).toEqual([]);
    expect(loaded.rule).toHaveProperty(kind);
  });
});

describe('README statements on event order', () => {
  // One rule, one test: a success listed first, its two failures (dated before it) after it.
  const ruleWith = (ids: string[]) => {
    const [s, f1, f2] = ids.map((id) => (id ? `log_id: "${id}", ` : ''));
    return loadRuleFile(
      'order.yml',
      `id: order
severity: high
sequence:
  by: [user_id]
  within: 10m
  steps:
    - { codes: [fp], count: 2 }
    - { codes: [s] }
tests:
  - name: listed out of date order
    events:
      - { event: { type: s, ${s}user_id: u1, date: "2024-03-01T09:05:00Z" } }
      - { event: { type: fp, ${f1}user_id: u1, date: "2024-03-01T09:01:00Z" } }
      - { event: { type: fp, ${f2}user_id: u1, date: "2024-03-01T09:02:00Z" } }
    expect: { alerts: 0 }
`,
      catalog,
    ).rule!;
  };
  const alerts = (ids: string[]) => runRuleTests(ruleWith(ids), catalog)[0]!.alerts.length;

  it('a filled-in log_id follows the date: the list is evaluated in date order and the sequence completes', () => {
    expect(alerts(['', '', ''])).toBe(1);
  });

  it('log_ids in arrival order test a late arrival: a success ahead of every failure it follows is not matched', () => {
    expect(alerts(['a1', 'a2', 'a3'])).toBe(0);
    // … while one that arrives with a failure already held is placed by its date
    expect(alerts(['a2', 'a1', 'a3'])).toBe(1);
  });
});
