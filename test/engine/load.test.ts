import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadRuleFile, loadRules } from '../../src/engine/index.js';
import { RuleError } from '../../src/errors.js';

const catalog = loadCatalog();
const fixture = (kind: string) => join('test/fixtures/rules', kind);
const messages = (kind: string) => loadRules(fixture(kind), catalog).problems.map((problem) => problem.message);

describe('loadRules rejects broken rules with file:line:col and the key path', () => {
  it.each([
    // each broken kind named in the issue, with the exact location of the culprit
    // (non-YAML reports the parser's errors; the first one is enough to locate it)
    ['unknown-key', 'unknown-key/rule.yml:5:3 match.wehre: unknown key \'wehre\''],
    ['duplicate-id', "duplicate-id/b.yml:2:5 id: duplicate id 'same-id' (also in test/fixtures/rules/duplicate-id/a.yml)"],
    ['bad-duration', 'bad-duration/rule.yml:7:11 threshold.window: expected a duration like 30s'],
    ['invalid-regex', 'invalid-regex/rule.yml:7:14 match.where.description.regex: invalid regex'],
    ['invalid-cidr', "invalid-cidr/rule.yml:9:11 match.where.ip.not_cidr[1]: invalid CIDR '300.1.2.0/24'"],
    ['empty-codes', 'empty-codes/rule.yml:4:10 match.codes: codes must list at least one code'],
    ['unknown-code', "unknown-code/rule.yml:7:7 match.codes[2]: unknown code 'pwdleak' — did you mean 'pwd_leak'?"],
    ['non-yaml', 'non-yaml/rule.yml:3:1 not valid YAML'],
    // a misspelt field never matches: an error with the field it probably meant
    ['misspelt-field', "misspelt-field/rule.yml:7:5 match.where.lcation_info.country_code: unknown field 'lcation_info': Auth0 log events have no such field — did you mean 'location_info'?"],
    ['misspelt-placeholder', "misspelt-placeholder/rule.yml:2:8 title: {{usr_name}}: unknown field 'usr_name': Auth0 log events have no such field — did you mean 'user_name'?"],
  ])('%s', (kind, expected) => {
    const found = messages(kind);
    if (kind === 'non-yaml') expect(found.length).toBeGreaterThanOrEqual(1);
    else expect(found).toHaveLength(1);
    expect(found[0]).toContain(`test/fixtures/rules/${expected}`);
  });

  it('lists every problem of a file, in line order, not just the first', () => {
    const found = messages('many-problems').map((message) => message.replace(/^.*rule\.yml:/, ''));
    expect(found.map((message) => message.split(' ').slice(0, 2).join(' '))).toEqual([
      '1:5 id:',
      '2:11 severity:',
      '4:15 match.codes[1]:',
      '5:11 throttle:',
      '6:1 colour:',
    ]);
  });

  it('returns problems as RuleErrors carrying file, line, col and key path', () => {
    const [problem] = loadRules(fixture('unknown-code'), catalog).problems;
    expect(problem).toBeInstanceOf(RuleError);
    expect(problem).toMatchObject({ line: 7, col: 7, keyPath: 'match.codes[2]', file: join(fixture('unknown-code'), 'rule.yml') });
  });

  it.each([
    // a typo in --rules or RULES_DIR: say so in words, with the way out
    ['a missing directory', 'test/fixtures/rules/does-not-exist', 'does not exist'],
    ['a file instead of a directory', 'test/fixtures/rules/unknown-code/rule.yml', 'is not a directory'],
  ])('reports %s instead of throwing', (_name, dir, expected) => {
    const result = loadRules(dir, catalog);
    expect(result.rules).toEqual([]);
    expect(result.problems.map((problem) => problem.message)).toEqual([
      `${dir}:1:1 the rules directory ${expected}; pass --rules DIR or set RULES_DIR`,
    ]);
  });

  it('reads .yml and .yaml files and ignores the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'a.yaml'), 'id: long-ext\nseverity: low\nmatch: { codes: [fp] }\n');
    writeFileSync(join(dir, 'b.YML'), 'id: upper-ext\nseverity: low\nmatch: { codes: [fp] }\n');
    writeFileSync(join(dir, 'README.md'), '# not a rule: {');
    const result = loadRules(dir, catalog);
    expect(result.problems).toEqual([]);
    expect(result.rules.map((rule) => rule.id)).toEqual(['long-ext', 'upper-ext']);
  });

  it('reports a duplicate id even when the duplicate has other problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'a.yml'), 'id: same\nseverity: low\nmatch: { codes: [fp] }\n');
    writeFileSync(join(dir, 'b.yml'), 'id: same\nseverity: loud\nmatch: { codes: [fp] }\n');
    const found = loadRules(dir, catalog).problems.map((problem) => problem.message.replace(`${dir}/`, ''));
    expect(found).toEqual(["b.yml:2:11 severity: 'loud' is not one of info, low, medium, high, critical", `b.yml:1:5 id: duplicate id 'same' (also in ${join(dir, 'a.yml')})`]);
  });
});

describe('loadRuleFile', () => {
  it.each([
    // the message says what was found instead of a rule
    ['a YAML list', '- id: x\n', 'x.yml:1:1 expected a YAML mapping with id, severity and match (found a list; one rule per file)'],
    ['a single value', 'just text\n', 'x.yml:1:1 expected a YAML mapping with id, severity and match (found a single value; one rule per file)'],
    ['an empty file', '', 'x.yml:1:1 expected a YAML mapping with id, severity and match (the file is empty; one rule per file)'],
    ['a comment-only file', '# nothing yet\n', '(the file is empty; one rule per file)'],
    ['a missing key', 'id: x\nmatch: { codes: [fp] }\n', 'severity: required'],
    ['a throttle.by on a threshold rule', 'id: x\nseverity: low\nmatch: { codes: [fp] }\nthreshold: { count: 2, window: 1m }\nthrottle: { period: 1h, by: [ip] }\n', 'throttle.by: a threshold rule'],
    // a window keeps at most MAX_WINDOW_ENTRIES events: a larger count could never fire
    ['a threshold count no window can hold', 'id: x\nseverity: low\nmatch: { codes: [fp] }\nthreshold: { count: 5000, window: 1h }\n', 'threshold.count: count can be at most 1000'],
    ['a zero duration', 'id: x\nseverity: low\nmatch: { codes: [fp] }\nthrottle: 0s\n', 'throttle: expected a duration'],
    ['an operator-less condition', 'id: x\nseverity: low\nmatch: { codes: [fp], where: { ip: {} } }\n', 'match.where.ip: expected at least one operator'],
  ])('rejects %s', (_name, text, expected) => {
    const result = loadRuleFile('x.yml', text, catalog);
    expect(result.rule).toBeUndefined();
    expect(result.problems.map((p) => p.message).join('\n')).toContain(expected);
  });

  it('accepts a minimal rule and fills the defaults', () => {
    const result = loadRuleFile('x.yml', 'id: x\nseverity: low\nmatch: { codes: ["gd_*"] }\n', catalog);
    expect(result.problems).toEqual([]);
    expect(result.rule).toMatchObject({ id: 'x', enabled: true, match: { codes: ['gd_*'] } });
    expect(result.warnings).toEqual(["x.yml: rule 'x' has no test that fires", "x.yml: rule 'x' has no quiet test"]);
  });

  it('warns about a glob that matches no known code', () => {
    const result = loadRuleFile('x.yml', 'id: x\nseverity: low\nmatch: { codes: ["zz_*"] }\n', catalog);
    expect(result.problems).toEqual([]);
    expect(result.warnings[0]).toContain("x.yml:3:18 match.codes[0]: 'zz_*' matches no known code yet");
  });
});
