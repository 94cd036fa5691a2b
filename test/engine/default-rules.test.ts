import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { describeRule, loadRules, ruleCodes, runRuleTests } from '../../src/engine/index.js';

const catalog = loadCatalog();
const loaded = loadRules('rules', catalog);

/** The first release's pack (issue 3); issue 13's rules come on top of it. */
const ISSUE_3_RULES = [
  'breached-password', 'ip-blocked', 'account-blocked', 'brute-force-by-ip', 'credential-stuffing', 'mfa-rate-limit',
  'mfa-push-fatigue', 'sms-pumping', 'refresh-token-reuse', 'connector-offline', 'security-settings-changed', 'rate-limits',
];

describe('the default rules in rules/', () => {
  it('load without problems or warnings', () => {
    expect(loaded.problems.map((p) => p.message)).toEqual([]);
    expect(loaded.warnings).toEqual([]);
  });

  it('cover the detections issue 3 asks for', () => {
    const codes = new Map(loaded.rules.filter((rule) => ISSUE_3_RULES.includes(rule.id)).map((rule) => [rule.id, ruleCodes(rule)]));
    expect([...codes.keys()].sort()).toEqual([...ISSUE_3_RULES].sort());
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
    ['breached-password', ['pwd_leak', 'signup_pwd_leak', 'reset_pwd_leak'], 'critical', 'every matching event', 'quiet 1h per user_name'],
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

  // Issue 13's list, rule by rule: codes, severity, what fires, how long it stays quiet after, and whether it is on.
  it.each([
    // Keyed on the account alone: guesses spread over many IPs (a botnet) add up.
    ['password-guessed', ['f', 'fp', 'fu', 's'], 'high', 'sequence within 15m per user_name: ≥ 10 × failed logins → successful login', 'quiet 15m per user_name', true],
    [
      'login-from-flagged-ip',
      ['limit_mu', 'limit_wc', 'limit_sul', 'pwd_leak', 'reset_pwd_leak', 'signup_pwd_leak', 'pla', 's', 'ss'],
      'high',
      'sequence within 1h per ip: flagged by attack protection → successful login or signup',
      'quiet 1h per ip',
      true,
    ],
    [
      'credential-stuffing-success',
      ['f', 'fp', 'fu', 's'],
      'critical',
      'sequence within 10m per ip: ≥ 10 distinct user_name × failed logins for different users → successful login',
      'quiet 10m per ip',
      true,
    ],
    ['impossible-travel', ['s'], 'high', 'impossible travel (> 500 km at > 1000 km/h) per user_id', 'quiet 1h per user_id', true],
    ['adaptive-mfa-risk', ['s'], 'high', 'every matching event', 'quiet 1h per user_id', true],
    ['new-country', ['s'], 'low', 'new location_info.country_code per user_id (after learning 14d)', undefined, false],
    ['attack-protection-disabled', ['sapi'], 'high', 'every matching event', undefined, true],
    ['bot-detection-disabled', ['sapi'], 'high', 'every matching event', undefined, true],
    ['mfa-weakened', ['sapi'], 'high', 'every matching event', undefined, true],
    ['mgmt-api-scopes-granted', ['sapi'], 'high', 'every matching event', undefined, true],
    ['client-secret-read', ['mgmt_api_read'], 'medium', 'every matching event', 'quiet 1h per details.request.auth.user.email', true],
    ['post-login-action-changed', ['sapi'], 'medium', 'every matching event', undefined, true],
    [
      'admin-takeover',
      ['sapi'],
      'critical',
      'sequence within 1h per details.request.auth.user.email: owner invited → ≥ 2 × tenant members deleted',
      'quiet 1h per details.request.auth.user.email',
      true,
    ],
    ['allowlist-ip-added', ['sapi'], 'medium', 'every matching event', undefined, true],
    ['client-insecure-settings', ['sapi'], 'medium', 'every matching event', undefined, true],
    ['account-linking-delegated', ['sapi'], 'high', 'every matching event', undefined, true],
    ['mfa-phone-shared', ['gd_enrollment_complete'], 'medium', 'new user_id per details.authenticator.phone_number', undefined, true],
    ['mfa-device-shared', ['gd_enrollment_complete'], 'medium', 'new user_id per details.enrollment.identifier', undefined, true],
    ['mfa-push-rejected', ['gd_auth_rejected'], 'high', 'every matching event', 'quiet 1h per user_id', true],
    ['refresh-token-many-agents', ['sertft'], 'high', '≥ 3 distinct user_agent within 1h per details.familyId', 'quiet 1h per details.familyId', true],
    ['refresh-token-many-ips', ['sertft'], 'medium', '≥ 5 distinct ip within 1h per details.familyId', 'quiet 1h per details.familyId', true],
    ['signup-surge', ['ss', 'fs', 'signup_pwd_leak'], 'medium', '≥ 20 events within 1h per ip', 'quiet 1h per ip', true],
    ['rapid-client-registration', ['sapi'], 'medium', '≥ 15 events within 1h', 'quiet 1h', true],
    ['rate-limit-warning', ['api_limit_warning'], 'low', 'every matching event', 'quiet 1h', true],
    ['cross-origin-stuffing', ['fcoa'], 'high', '≥ 10 distinct user_name within 10m per ip', 'quiet 10m per ip', true],
    ['authorize-probing', ['f'], 'medium', '≥ 20 events within 10m per ip', 'quiet 10m per ip', true],
    // Attacks on one account are counted per account, whatever the IPs.
    ['account-brute-force', ['f', 'fp', 'fu'], 'high', '≥ 10 events within 15m per user_name', 'quiet 1h per user_name', true],
    ['sms-bombing', ['gd_send_sms'], 'medium', '≥ 10 events within 1h per user_id', 'quiet 1h per user_id', true],
  ])('%s: codes %j, severity %s, %s, %s, enabled %s', (id, codes, severity, trigger, throttle, enabled) => {
    const summary = loaded.rules.map(describeRule).find((rule) => rule.id === id);
    expect(summary).toBeDefined();
    expect({ codes: summary!.codes, severity: summary!.severity, trigger: summary!.trigger, enabled: summary!.enabled }).toEqual({
      codes,
      severity,
      trigger,
      enabled,
    });
    expect(summary!.throttle?.replace(' after an alert (matches become thread replies)', '')).toBe(throttle);
  });

  it('is the first release pack plus issue 13 pack and the per-account rules, nothing else', () => {
    expect(loaded.rules).toHaveLength(ISSUE_3_RULES.length + 28);
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
