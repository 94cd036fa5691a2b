import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { describeRule, loadRules, ruleCodes, runRuleTests } from '../../src/engine/index.js';

const catalog = loadCatalog();
const loaded = loadRules('rules', catalog);

describe('the default rules in rules/', () => {
  it('load without problems or warnings', () => {
    expect(loaded.problems.map((p) => p.message)).toEqual([]);
    expect(loaded.warnings).toEqual([]);
  });

  it('cover the detections issue 3 asks for', () => {
    const codes = new Map(loaded.rules.map((rule) => [rule.id, ruleCodes(rule)]));
    expect([...codes.values()].flat().sort()).toEqual(
      [
        'pwd_leak', 'signup_pwd_leak', 'reset_pwd_leak', 'limit_mu', 'limit_wc', 'limit_sul',
        'f', 'fp', 'fu', 'f', 'fp', 'fu', 'gd_otp_rate_limit_exceed', 'gd_recovery_rate_limit_exceed',
        'gd_send_pn', 'gd_send_sms', 'ferrt', 'coff', 'sapi', 'api_limit', 'limit_delegation',
      ].sort(),
    );
    expect(loaded.rules.map(describeRule).find((r) => r.id === 'credential-stuffing')).toMatchObject({
      severity: 'critical',
      trigger: '≥ 10 distinct user_name within 10m per ip',
    });
  });

  // Issue 3's list, rule by rule: codes, severity, what fires, and how long it stays quiet after.
  it.each([
    ['breached-password', ['pwd_leak', 'signup_pwd_leak', 'reset_pwd_leak'], 'critical', 'every matching event', 'quiet 1h per user_id, ip'],
    ['ip-blocked', ['limit_mu'], 'high', 'every matching event', 'quiet 1h per ip'],
    ['account-blocked', ['limit_wc', 'limit_sul'], 'high', 'every matching event', 'quiet 1h per user_name'],
    ['brute-force-by-ip', ['f', 'fp', 'fu'], 'high', '≥ 20 events within 5m per ip', 'quiet 1h per ip'],
    ['credential-stuffing', ['f', 'fp', 'fu'], 'critical', '≥ 10 distinct user_name within 10m per ip', 'quiet 10m per ip'],
    ['mfa-rate-limit', ['gd_otp_rate_limit_exceed', 'gd_recovery_rate_limit_exceed'], 'high', 'every matching event', 'quiet 1h per user_id'],
    ['mfa-push-fatigue', ['gd_send_pn'], 'high', '≥ 5 events within 30m per user_id', 'quiet 30m per user_id'],
    ['sms-pumping', ['gd_send_sms'], 'medium', '≥ 10 events within 1h per ip', 'quiet 1h per ip'],
    ['refresh-token-reuse', ['ferrt'], 'high', 'every matching event', 'quiet 1h per user_id, client_id'],
    ['connector-offline', ['coff'], 'high', 'every matching event', 'quiet 1h per connection'],
    ['security-settings-changed', ['sapi'], 'medium', 'every matching event', undefined],
    ['rate-limits', ['api_limit', 'limit_delegation'], 'low', 'every matching event', 'quiet 1h'],
  ])('%s: codes %j, severity %s, %s, %s', (id, codes, severity, trigger, throttle) => {
    const summary = loaded.rules.map(describeRule).find((rule) => rule.id === id);
    expect(summary).toBeDefined();
    expect({ codes: summary!.codes, severity: summary!.severity, trigger: summary!.trigger, enabled: summary!.enabled }).toEqual({
      codes,
      severity,
      trigger,
      enabled: true,
    });
    expect(summary!.throttle?.replace(' after an alert (matches become thread replies)', '')).toBe(throttle);
  });

  for (const rule of loaded.rules) {
    describe(rule.id, () => {
      it('has at least one firing and one quiet test', () => {
        const tests = rule.tests ?? [];
        expect(tests.some((test) => test.expect.alerts > 0)).toBe(true);
        expect(tests.some((test) => test.expect.alerts === 0)).toBe(true);
      });
      for (const result of runRuleTests(rule, catalog)) {
        it(result.name, () => {
          expect(result.failures).toEqual([]);
          expect(result.passed).toBe(true);
        });
      }
    });
  }
});
