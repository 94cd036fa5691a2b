import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { BUNDLED_RULES_DIR, compileRules, evaluate, initialState, loadEnabledRuleSet, loadRuleLayers, loadRules } from '../../src/engine/index.js';
import { ConfigError } from '../../src/errors.js';
import { formatAlert } from '../../src/slack/format.js';
import { logEvent } from '../helpers/auth0-fixtures.js';

const catalog = loadCatalog();
const DEFAULT_IDS = loadRules(BUNDLED_RULES_DIR, catalog).rules.map((rule) => rule.id);
/** Default rules shipped on (new-country ships off: it needs a workforce tenant to be quiet). */
const ENABLED_IDS = loadRules(BUNDLED_RULES_DIR, catalog).rules.filter((rule) => rule.enabled !== false).map((rule) => rule.id);
const ENABLED_DEFAULTS = ENABLED_IDS.length;
const MY_RULE = 'id: admin-login\nseverity: high\nmatch: { codes: [s], where: { user_name: { equals: admin@example.com } } }\n';

/** A rules folder holding these files. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
const layers = (...dirs: string[]) => loadRuleLayers({ dirs }, catalog);
const origins = (...dirs: string[]) => Object.fromEntries(layers(...dirs).layered.map((entry) => [entry.rule.id, entry.origin.kind]));
const messages = (...dirs: string[]) => layers(...dirs).problems.map((problem) => problem.message);

describe('rule layers: the default pack with your folder on top', () => {
  it('keeps every default rule when you add one rule of your own', () => {
    const loaded = layers(folder({ 'admin-login.yml': MY_RULE }));
    expect(loaded.problems).toEqual([]);
    expect(DEFAULT_IDS.length).toBeGreaterThanOrEqual(12);
    expect(loaded.rules.map((rule) => rule.id)).toEqual([...DEFAULT_IDS, 'admin-login']);
    expect(compileRules(loaded.rules, catalog).rules).toHaveLength(ENABLED_DEFAULTS + 1);
    expect(origins(folder({ 'admin-login.yml': MY_RULE }))).toMatchObject({ 'breached-password': 'default', 'admin-login': 'yours' });
  });

  it('replaces a default by the rule of yours with the same id', () => {
    const mine = 'id: rate-limits\nseverity: high\nmatch: { codes: [api_limit] }\nchannel: "#platform"\n';
    const loaded = layers(folder({ 'limits.yml': mine }));
    const rule = loaded.rules.filter((r) => r.id === 'rate-limits');
    expect(rule).toEqual([expect.objectContaining({ severity: 'high', channel: '#platform' })]);
    expect(loaded.layered.find((entry) => entry.rule.id === 'rate-limits')?.origin).toEqual({ kind: 'replaced', defaultFile: join(BUNDLED_RULES_DIR, 'rate-limits.yml') });
  });

  it('switches defaults off by id (defaults.yml disable), keeping them listed as disabled', () => {
    const dir = folder({ 'defaults.yml': 'disable: [rate-limits, sms-pumping]\n' });
    const loaded = layers(dir);
    expect(loaded.problems).toEqual([]);
    expect(origins(dir)).toMatchObject({ 'rate-limits': 'disabled', 'sms-pumping': 'disabled', 'ip-blocked': 'default' });
    const enabled = compileRules(loaded.rules, catalog).rules.map((rule) => rule.id);
    expect(enabled).not.toContain('rate-limits');
    expect(enabled).toHaveLength(ENABLED_DEFAULTS - 2);
  });

  it("re-routes and re-grades a default without copying it (defaults.yml override), and its alerts follow", () => {
    const dir = folder({ 'defaults.yml': 'override:\n  breached-password: { channel: "#soc-critical", mention: S0SOC, severity: high }\n' });
    const loaded = layers(dir);
    expect(loaded.problems).toEqual([]);
    const entry = loaded.layered.find((e) => e.rule.id === 'breached-password')!;
    expect(entry.origin).toEqual({ kind: 'overridden', by: join(dir, 'defaults.yml'), fields: ['channel', 'severity', 'mention'] });
    // the rule's logic is the default's: its throttle and codes are untouched
    expect(entry.rule).toMatchObject({ channel: '#soc-critical', mention: 'S0SOC', severity: 'high', match: { codes: ['pwd_leak', 'signup_pwd_leak', 'reset_pwd_leak'] } });
    const { alerts } = evaluate(compileRules(loaded.rules, catalog), initialState(), [logEvent(1, { type: 'pwd_leak', user_name: 'a@example.com', ip: '198.51.100.1' })]);
    expect(alerts.map((alert) => [alert.ruleId, alert.channel, alert.severity])).toEqual([['breached-password', '#soc-critical', 'high']]);
  });

  it('takes `mention: none` (documented to silence a critical rule\'s @here) in defaults.yml and in a rule file', () => {
    const dir = folder({
      'defaults.yml': 'override:\n  breached-password: { mention: none }\n',
      'quiet-critical.yml': 'id: quiet-critical\nseverity: critical\nmatch: { codes: [s] }\nmention: none\n',
    });
    const loaded = layers(dir);
    expect(loaded.problems.map((problem) => problem.message)).toEqual([]);
    const events = [
      logEvent(1, { type: 'pwd_leak', user_name: 'a@example.com', ip: '198.51.100.1' }),
      logEvent(2, { type: 's', user_name: 'a@example.com', ip: '198.51.100.1' }),
    ];
    const { alerts } = evaluate(compileRules(loaded.rules, catalog), initialState(), events);
    const mine = alerts.filter((alert) => alert.ruleId === 'breached-password' || alert.ruleId === 'quiet-critical');
    expect(mine.map((alert) => [alert.ruleId, alert.severity, alert.mention])).toEqual([
      ['breached-password', 'critical', 'none'],
      ['quiet-critical', 'critical', 'none'],
    ]);
    for (const alert of mine) expect(formatAlert(alert, { catalog, defaultChannel: '#alerts' }).text).not.toContain('<!here>');
  });

  it('runs without the defaults when defaults.yml says use_defaults: false', () => {
    const dir = folder({ 'defaults.yml': 'use_defaults: false\n', 'admin-login.yml': MY_RULE });
    const loaded = layers(dir);
    expect(loaded.usesDefaults).toBe(false);
    expect(loaded.rules.map((rule) => rule.id)).toEqual(['admin-login']);
  });

  it('layers several folders, in order, and refuses an id defined in two of them', () => {
    const team = folder({ 'admin-login.yml': MY_RULE });
    const tenant = folder({ 'other.yml': MY_RULE.replace('admin-login', 'other-login'), 'defaults.yml': 'disable: [rate-limits]\n' });
    expect(origins(team, tenant)).toMatchObject({ 'admin-login': 'yours', 'other-login': 'yours', 'rate-limits': 'disabled' });
    expect(messages(team, folder({ 'again.yml': MY_RULE }))).toEqual([expect.stringMatching(/again\.yml:1:5 id: duplicate id 'admin-login' \(also in .*admin-login\.yml\)$/)]);
  });

  it('treats --rules pointing at the bundled folder as the defaults alone (./rules in a checkout)', () => {
    expect(layers('rules').rules.map((rule) => rule.id)).toEqual(DEFAULT_IDS);
    expect(layers(BUNDLED_RULES_DIR, 'rules').problems).toEqual([]);
  });
});

describe('defaults.yml is checked as strictly as rules, every problem located', () => {
  it.each([
    // an id no default has: a suggestion, at the exact entry
    ['an unknown id to disable', 'disable: [rate-limit]\n', ["defaults.yml:1:11 disable[0]: no default rule has the id 'rate-limit' — did you mean 'rate-limits' or 'mfa-rate-limit'?"]],
    ['an unknown id to override', 'override:\n  brute-force: { channel: "#x" }\n', ["defaults.yml:2:16 override.brute-force: no default rule has the id 'brute-force'"]],
    // override changes delivery only: logic stays in the rule
    ['an override of a rule key it cannot change', 'override:\n  ip-blocked: { throttle: 2h }\n', ["defaults.yml:2:17 override.ip-blocked.throttle: unknown key 'throttle' (expected one of: channel, severity, mention, runbook)"]],
    ['a misspelt setting', 'use_default: false\n', ["defaults.yml:1:1 use_default: unknown key 'use_default' — did you mean 'use_defaults'?"]],
    ['a bad value', 'override:\n  ip-blocked: { severity: urgent }\n', ["defaults.yml:2:27 override.ip-blocked.severity: 'urgent' is not one of info, low, medium, high, critical"]],
    ['an empty override', 'override:\n  ip-blocked: {}\n', ['defaults.yml:2:15 override.ip-blocked: expected at least one of channel, severity, mention, runbook']],
    ['disabling with no defaults loaded', 'use_defaults: false\ndisable: [ip-blocked]\n', ["defaults.yml:2:11 disable[0]: disable 'ip-blocked' has no effect: use_defaults is false, so no default rule is loaded"]],
    ['a rule both disabled and overridden', 'disable: [ip-blocked]\noverride:\n  ip-blocked: { channel: "#x" }\n', ["defaults.yml:1:11 disable[0]: 'ip-blocked' is both disabled and overridden; keep one"]],
    ['not YAML', 'disable: [a\n', [expect.stringContaining('defaults.yml:2:1 not valid YAML')]],
  ])('%s', (_name, text, expected) => {
    const dir = folder({ 'defaults.yml': text });
    expect(messages(dir).map((message) => message.replace(`${dir}/`, ''))).toEqual(expected);
  });

  it('reports every problem of a defaults.yml in one round: a bad key does not hide a misspelt id', () => {
    const dir = folder({ 'defaults.yml': 'disable: [rate-limit]\noverride:\n  brute-force-by-ip: { chanel: "#soc" }\n  ip-blocked: { channel: "#ok" }\n' });
    const loaded = layers(dir);
    expect(loaded.problems.map((problem) => problem.message.replace(`${dir}/`, ''))).toEqual([
      "defaults.yml:3:24 override.brute-force-by-ip.chanel: unknown key 'chanel' — did you mean 'channel'?",
      "defaults.yml:1:11 disable[0]: no default rule has the id 'rate-limit' — did you mean 'rate-limits' or 'mfa-rate-limit'?",
    ]);
    // the valid entry still applies (rules list can show it while the rest is fixed)
    expect(loaded.layered.find((entry) => entry.rule.id === 'ip-blocked')?.rule.channel).toBe('#ok');
  });

  it('refuses to disable or override a default you replaced (change your file instead)', () => {
    const dir = folder({ 'limits.yml': 'id: rate-limits\nseverity: low\nmatch: { codes: [api_limit] }\n', 'defaults.yml': 'override:\n  rate-limits: { channel: "#x" }\n' });
    expect(messages(dir)).toEqual([`${dir}/defaults.yml:2:16 override.rate-limits: 'rate-limits' is replaced by your rule in ${dir}/limits.yml; change that file instead`]);
  });

  it('refuses the same default overridden in two folders', () => {
    const a = folder({ 'defaults.yml': 'override:\n  ip-blocked: { channel: "#a" }\n' });
    const b = folder({ 'defaults.yml': 'override:\n  ip-blocked: { channel: "#b" }\n' });
    expect(messages(a, b)).toEqual([`${b}/defaults.yml:2:15 override.ip-blocked: 'ip-blocked' is overridden in ${a}/defaults.yml too; keep one`]);
  });
});

describe('loadEnabledRuleSet (what run uses)', () => {
  it('refuses a setup with no enabled rule (a bot that watches nothing)', () => {
    const empty = folder({ 'defaults.yml': 'use_defaults: false\n' });
    expect(() => loadEnabledRuleSet({ dirs: [empty] }, catalog)).toThrow(ConfigError);
    expect(() => loadEnabledRuleSet({ dirs: [empty] }, catalog)).toThrow(/no enabled rules/);
    const allOff = folder({ 'defaults.yml': `disable: [${DEFAULT_IDS.join(', ')}]\n` });
    expect(() => loadEnabledRuleSet({ dirs: [allOff] }, catalog)).toThrow(/no enabled rules/);
  });

  it('refuses invalid rules with every problem', () => {
    const broken = folder({ 'a.yml': 'id: a\nseverity: loud\nmatch: { codes: [fp] }\n' });
    expect(() => loadEnabledRuleSet({ dirs: [broken] }, catalog)).toThrow(/a\.yml:2:11 severity/);
  });

  it('compiles the defaults and yours', () => {
    const dir = folder({ 'admin-login.yml': MY_RULE });
    mkdirSync(join(dir, 'sub'));
    expect(loadEnabledRuleSet({ dirs: [dir] }, catalog).rules.map((rule) => rule.id)).toEqual([...ENABLED_IDS, 'admin-login']);
  });
});
