import { mkdtempSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { useCliOutput } from '../helpers/engine-cli-output.js';

const output = useCliOutput();

afterEach(() => {
  delete process.env.RULES_DIR;
});

describe('rules check', () => {
  it('passes on the default rules and prints every test result', async () => {
    expect(await main(['rules', 'check', '--rules', 'rules'])).toBe(0);
    expect(output.stdout).toContain('pass    brute-force-by-ip: twenty failures from one IP fire once');
    expect(output.stdout).not.toContain('FAIL');
    // The default pack: 40 rules, new-country shipped off.
    expect(output.stdout).toMatch(/40 rule\(s\) \(39 enabled\), 0 error\(s\), 0 warning\(s\); tests: \d+ passed, 0 failed/);
  });

  it('checks your folder together with the default rules it is layered on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'defaults.yml'), 'disable: [rate-limits]\n');
    writeFileSync(join(dir, 'mine.yml'), 'id: mine\nseverity: low\nmatch: { codes: [fp] }\ntests:\n  - { name: fires, events: [{ event: { type: fp } }], expect: { alerts: 1 } }\n  - { name: quiet, events: [{ event: { type: s } }], expect: { alerts: 0 } }\n');
    expect(await main(['rules', 'check', '--rules', dir])).toBe(0);
    expect(output.stdout).toContain('pass    mine: fires');
    expect(output.stdout).toContain('pass    brute-force-by-ip: twenty failures from one IP fire once');
    expect(output.stdout).toMatch(/41 rule\(s\) \(39 enabled\), 0 error\(s\)/);
  });

  it('exits 1 when no rule is enabled (run would refuse to start)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'defaults.yml'), 'use_defaults: false\n');
    expect(await main(['rules', 'check', '--rules', dir])).toBe(1);
    expect(output.stdout).toContain('error   no enabled rules: run would watch nothing');
  });

  it('rules list with no enabled rule says so (an empty listing said nothing at all)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'defaults.yml'), 'use_defaults: false\n');
    expect(await main(['rules', 'list', '--rules', dir])).toBe(0);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain('no enabled rules: run would refuse to start (see rules check)');
  });

  it('reads RULES_DIR when --rules is absent', async () => {
    process.env.RULES_DIR = 'test/fixtures/rules/unknown-code';
    expect(await main(['rules', 'check'])).toBe(1);
    expect(output.stdout).toContain("match.codes[2]: unknown code 'pwdleak' — did you mean 'pwd_leak'?");
  });

  it.each([
    ['unknown-key', "rule.yml:5:3 match.wehre: unknown key 'wehre'"],
    ['duplicate-id', "b.yml:2:5 id: duplicate id 'same-id'"],
    ['bad-duration', 'rule.yml:7:11 threshold.window: expected a duration'],
    ['invalid-regex', 'rule.yml:7:14 match.where.description.regex: invalid regex'],
    ['invalid-cidr', "rule.yml:9:11 match.where.ip.not_cidr[1]: invalid CIDR '300.1.2.0/24'"],
    ['empty-codes', 'rule.yml:4:10 match.codes: codes must list at least one code'],
    ['unknown-code', "rule.yml:7:7 match.codes[2]: unknown code 'pwdleak' — did you mean 'pwd_leak'?"],
    ['non-yaml', 'rule.yml:3:1 not valid YAML'],
    ['misspelt-field', "rule.yml:7:5 match.where.lcation_info.country_code: unknown field 'lcation_info': Auth0 log events have no such field — did you mean 'location_info'?"],
    ['misspelt-placeholder', "rule.yml:2:8 title: {{usr_name}}: unknown field 'usr_name': Auth0 log events have no such field — did you mean 'user_name'?"],
  ])('exits 1 and locates the problem for %s', async (kind, expected) => {
    expect(await main(['rules', 'check', '--rules', join('test/fixtures/rules', kind)])).toBe(1);
    expect(output.stdout).toContain(`error   ${join('test/fixtures/rules', kind)}/${expected}`);
  });

  it('exits 1 with a plain sentence when the rules directory does not exist', async () => {
    expect(await main(['rules', 'check', '--rules', 'test/fixtures/rules/does-not-exist'])).toBe(1);
    expect(output.stdout).toContain('error   test/fixtures/rules/does-not-exist:1:1 the rules directory does not exist; pass --rules DIR or set RULES_DIR');
    expect(output.stdout).not.toMatch(/\n\s+at /);
  });

  it('prints every problem across files, not just the first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    copyFileSync('test/fixtures/rules/bad-duration/rule.yml', join(dir, 'a.yml'));
    copyFileSync('test/fixtures/rules/many-problems/rule.yml', join(dir, 'b.yml'));
    expect(await main(['rules', 'check', '--rules', dir])).toBe(1);
    expect(output.stdout.split('\n').filter((line) => line.startsWith('error'))).toHaveLength(6);
  });

  it('exits 1 when a rule test fails and says what differed; warns about missing quiet tests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(
      join(dir, 'wrong.yml'),
      [
        'id: wrong-expectation',
        'severity: low',
        'match: { codes: [fp] }',
        'tests:',
        '  - name: expects two alerts from one event',
        '    events: [{ event: { type: fp } }]',
        '    expect: { alerts: 2 }',
      ].join('\n'),
    );
    expect(await main(['rules', 'check', '--rules', dir])).toBe(1);
    expect(output.stdout).toContain('FAIL    wrong-expectation: expects two alerts from one event');
    expect(output.stdout).toContain('expected alerts 2, got 1');
    expect(output.stdout).toContain("warning " + join(dir, 'wrong.yml') + ": rule 'wrong-expectation' has no quiet test");
    expect(readdirSync(dir)).toEqual(['wrong.yml']);
  });
});

describe('rules list', () => {
  it('says where each rule comes from: default, overridden, disabled, replaced, yours', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'defaults.yml'), 'disable: [sms-pumping]\noverride:\n  brute-force-by-ip: { channel: "#soc" }\n');
    writeFileSync(join(dir, 'limits.yml'), 'id: rate-limits\nseverity: medium\nmatch: { codes: [api_limit] }\n');
    writeFileSync(join(dir, 'mine.yml'), 'id: mine\nseverity: low\nmatch: { codes: [fp] }\n');
    expect(await main(['rules', 'list', '--rules', dir])).toBe(0);
    expect(output.stdout).toContain('breached-password [critical] default — ');
    expect(output.stdout).toContain(`brute-force-by-ip [high] overridden (channel by ${join(dir, 'defaults.yml')}) — `);
    expect(output.stdout).toContain('; → #soc');
    expect(output.stdout).toContain(`sms-pumping [medium] disabled (by ${join(dir, 'defaults.yml')}) — `);
    expect(output.stdout).toContain(`rate-limits [medium] replaced (your ${join(dir, 'limits.yml')} instead of the default) — `);
    expect(output.stdout).toContain(`mine [low] yours (${join(dir, 'mine.yml')}) — `);

    expect(await main(['rules', 'list', '--rules', dir, '--json'])).toBe(0);
    const json = JSON.parse(output.stdout.split('\n').filter(Boolean).at(-1)!) as Array<{ id: string; origin: string; enabled: boolean }>;
    expect(Object.fromEntries(json.map((rule) => [rule.id, [rule.origin, rule.enabled]]))).toMatchObject({
      'breached-password': ['default', true],
      'brute-force-by-ip': ['overridden', true],
      'sms-pumping': ['disabled', false],
      'rate-limits': ['replaced', true],
      mine: ['yours', true],
    });
  });

  it('summarises the rules as JSON', async () => {
    expect(await main(['rules', 'list', '--rules', 'rules', '--json'])).toBe(0);
    const rules = JSON.parse(output.stdout) as Array<{ id: string; trigger: string; throttle?: string }>;
    expect(rules.find((rule) => rule.id === 'brute-force-by-ip')).toMatchObject({
      trigger: '≥ 20 events within 5m per ip',
      throttle: expect.stringContaining('quiet 1h per ip'),
    });
  });
});
