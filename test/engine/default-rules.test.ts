import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { describeRule, loadRules, runRuleTests } from '../../src/engine/index.js';

const catalog = loadCatalog();
const loaded = loadRules('rules', catalog);

describe('the default rules in rules/', () => {
  it('load without problems or warnings', () => {
    expect(loaded.problems.map((p) => p.message)).toEqual([]);
    expect(loaded.warnings).toEqual([]);
  });

  it('cover the detections issue 3 asks for', () => {
    const codes = new Map(loaded.rules.map((rule) => [rule.id, rule.match.codes]));
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
