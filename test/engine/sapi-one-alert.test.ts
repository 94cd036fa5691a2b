import { describe, expect, it } from 'vitest';
import { parseLogEvent, type LogEvent } from '../../src/auth0/log-event.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { BUNDLED_RULES_DIR, compileRules, evaluate, initialState, loadRules, testLogId } from '../../src/engine/index.js';

// One admin change, one Slack message: security-settings-changed reports what no
// more specific default rule does, and the specific ones do not overlap either.
// Every kind of Management API change is replayed alone through the whole default
// pack. Descriptions, paths and bodies as Auth0 logs them (Auth0's detection
// catalog, Panther's Auth0 samples, the Management API operation summaries).
const catalog = loadCatalog();
const { rules, problems } = loadRules(BUNDLED_RULES_DIR, catalog);
const ruleSet = compileRules(rules, catalog);
const ADMIN = { user: { email: 'admin@example.com', name: 'Admin', user_id: 'google-oauth2|105261262156' }, strategy: 'jwt' };

let sequence = 0;
function sapi(description: string, method: string, path: string | undefined, body: unknown, response: { statusCode: number; body?: unknown }): LogEvent {
  sequence += 1;
  const time = Date.parse('2026-03-02T10:00:00.000Z') + sequence * 60_000;
  const parsed = parseLogEvent({
    log_id: testLogId(time, sequence),
    date: new Date(time).toISOString(),
    type: 'sapi',
    description,
    client_id: '1HXWWGKk1Zj3JF8GvMrnCSirccDs4qvr',
    client_name: '',
    ip: '12.12.12.12',
    user_id: ADMIN.user.user_id,
    details: {
      request: { method, ...(path ? { path } : {}), channel: 'https://manage.auth0.com/', ip: '12.12.12.12', query: {}, body, auth: ADMIN },
      response,
    },
  });
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.event;
}

const BFP = '/api/v2/attack-protection/brute-force-protection';
const SIT = '/api/v2/attack-protection/suspicious-ip-throttling';
const BPD = '/api/v2/attack-protection/breached-password-detection';
const BLOCKING = { enabled: true, shields: ['block', 'user_notification'], mode: 'count_per_identifier_and_ip', allowlist: [], max_attempts: 10 };
const BOT = 'Create or update the anomaly detection captcha';
const BOT_ON = { policy: 'high_risk', passwordless_policy: 'high_risk', password_reset_policy: 'high_risk', selected: 'auth_challenge' };
const POLICIES = 'Set the Multi-factor Authentication policies';
const FACTOR = 'Update a Multi-factor Authentication Factor';
const RISK = 'Updates risk assessment configs';

// [the change, the one rule that must alert (null: none), the event]
const CHANGES: Array<[string, string | null, () => LogEvent]> = [
  ['brute-force protection turned off', 'attack-protection-disabled', () => sapi('Update Brute-force settings', 'patch', BFP, { enabled: false }, { statusCode: 200, body: { ...BLOCKING, enabled: false } })],
  ['brute-force protection set to not block', 'attack-protection-disabled', () => sapi('Update Brute-force settings', 'patch', BFP, { shields: ['user_notification'] }, { statusCode: 200, body: { ...BLOCKING, shields: ['user_notification'] } })],
  ['brute-force protection: max attempts changed', 'security-settings-changed', () => sapi('Update Brute-force settings', 'patch', BFP, { max_attempts: 5 }, { statusCode: 200, body: { ...BLOCKING, max_attempts: 5 } })],
  ['brute-force protection: an address allowlisted', 'allowlist-ip-added', () => sapi('Update Brute-force settings', 'patch', BFP, { allowlist: ['203.0.113.0/24'] }, { statusCode: 200, body: { ...BLOCKING, allowlist: ['203.0.113.0/24'] } })],
  ['brute-force protection turned off and an address allowlisted at once', 'attack-protection-disabled', () => sapi('Update Brute-force settings', 'patch', BFP, { enabled: false, allowlist: ['0.0.0.0/0'] }, { statusCode: 200, body: { ...BLOCKING, enabled: false, allowlist: ['0.0.0.0/0'] } })],
  ['brute-force protection: turning it off refused (403)', 'security-settings-changed', () => sapi('Update Brute-force settings', 'patch', BFP, { enabled: false }, { statusCode: 403, body: { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope' } })],
  ['Suspicious IP Throttling turned off', 'attack-protection-disabled', () => sapi('Update Suspicious IP Throttling settings', 'patch', SIT, { enabled: false }, { statusCode: 200, body: { enabled: false, shields: ['admin_notification', 'block'], allowlist: [] } })],
  ['Suspicious IP Throttling: an address allowlisted', 'allowlist-ip-added', () => sapi('Update Suspicious IP Throttling settings', 'patch', SIT, { allowlist: ['198.51.100.7'] }, { statusCode: 200, body: { enabled: true, shields: ['admin_notification', 'block'], allowlist: ['198.51.100.7'] } })],
  ['Suspicious IP Throttling: rates changed', 'security-settings-changed', () => sapi('Update Suspicious IP Throttling settings', 'patch', SIT, { stage: { 'pre-login': { max_attempts: 50, rate: 1200 } } }, { statusCode: 200, body: { enabled: true, shields: ['admin_notification', 'block'], allowlist: [] } })],
  ['Breached Password Detection turned off', 'attack-protection-disabled', () => sapi('Update Breached Password Detection settings', 'patch', BPD, { enabled: false }, { statusCode: 200, body: { enabled: false, shields: ['block'], method: 'standard' } })],
  ['Breached Password Detection set to notify only', 'attack-protection-disabled', () => sapi('Update Breached Password Detection settings', 'patch', BPD, { shields: ['admin_notification'] }, { statusCode: 200, body: { enabled: true, shields: ['admin_notification'], method: 'standard' } })],
  ['Breached Password Detection: notification frequency changed', 'security-settings-changed', () => sapi('Update Breached Password Detection settings', 'patch', BPD, { admin_notification_frequency: ['daily'] }, { statusCode: 200, body: { enabled: true, shields: ['block', 'admin_notification'], admin_notification_frequency: ['daily'] } })],
  ['Bot Detection turned off for password login', 'bot-detection-disabled', () => sapi(BOT, 'patch', undefined, { policy: 'off' }, { statusCode: 200, body: { ...BOT_ON, policy: 'off' } })],
  ['Bot Detection set to always challenge', 'security-settings-changed', () => sapi(BOT, 'patch', undefined, { policy: 'always_on' }, { statusCode: 200, body: { ...BOT_ON, policy: 'always_on' } })],
  ['Bot Detection: an address allowlisted', 'allowlist-ip-added', () => sapi(BOT, 'patch', undefined, { allowlist: ['198.51.100.7'] }, { statusCode: 200, body: { ...BOT_ON, allowlist: ['198.51.100.7'] } })],
  ['MFA policy set to Never', 'mfa-weakened', () => sapi(POLICIES, 'put', '/api/v2/guardian/policies', [], { statusCode: 200, body: [] })],
  ['MFA policy set to Always', 'security-settings-changed', () => sapi(POLICIES, 'put', '/api/v2/guardian/policies', ['all-applications'], { statusCode: 200, body: ['all-applications'] })],
  ['MFA policy set to Adaptive', 'security-settings-changed', () => sapi(POLICIES, 'put', '/api/v2/guardian/policies', ['confidence-score'], { statusCode: 200, body: ['confidence-score'] })],
  ['WebAuthn (security keys) factor disabled', 'mfa-weakened', () => sapi(FACTOR, 'put', '/api/v2/guardian/factors/webauthn-roaming', { enabled: false }, { statusCode: 200, body: { enabled: false } })],
  ['OTP factor enabled', 'security-settings-changed', () => sapi(FACTOR, 'put', '/api/v2/guardian/factors/otp', { enabled: true }, { statusCode: 200, body: { enabled: true } })],
  ['SMS provider (Twilio) settings changed', 'security-settings-changed', () => sapi('Update Twilio configuration', 'put', '/api/v2/guardian/factors/sms/providers/twilio', { from: '+15555550100' }, { statusCode: 200 })],
  ['risk assessment turned off', 'mfa-weakened', () => sapi(RISK, 'patch', '/api/v2/risk-assessment/config', { AfterAuthentication: false }, { statusCode: 200, body: { AfterAuthentication: false } })],
  ['risk assessment turned on', 'security-settings-changed', () => sapi(RISK, 'patch', '/api/v2/risk-assessment/config', { AfterAuthentication: true }, { statusCode: 200, body: { AfterAuthentication: true } })],
  // Not security settings: quiet, or a rule of their own.
  ['tenant settings updated', null, () => sapi('Update tenant settings', 'patch', '/api/v2/tenants/settings', { session_lifetime: 168 }, { statusCode: 200 })],
  ['a connection deleted', null, () => sapi('Delete a connection', 'delete', '/api/v2/connections/con_8Hs2kPq0aW1rT3x9', undefined, { statusCode: 202 })],
  ['an application renamed', null, () => sapi('Update a client', 'patch', '/api/v2/clients/zxPFD7BlvbiwfAzvi6WZNxDwhwFjyiV5', { name: 'Storefront' }, { statusCode: 200 })],
  ['cross-origin authentication turned on', 'client-insecure-settings', () => sapi('Update a client', 'patch', '/api/v2/clients/zxPFD7BlvbiwfAzvi6WZNxDwhwFjyiV5', { cross_origin_authentication: true }, { statusCode: 200, body: { cross_origin_authentication: true } })],
  ['an Action bound to the post-login flow', 'post-login-action-changed', () => sapi('Update trigger bindings', 'patch', '/api/v2/actions/triggers/post-login/bindings', { bindings: [{ ref: { type: 'action_id', value: '3c1a6f0e' } }] }, { statusCode: 200 })],
];

describe('one Management API change, one alert, through the whole default pack', () => {
  it('loads the default pack', () => {
    expect(problems).toEqual([]);
  });

  it.each(CHANGES)('%s → %s', (_name, ruleId, make) => {
    const alerts = evaluate(ruleSet, initialState(), [make()]).alerts.filter((alert) => alert.kind === 'alert');
    expect(alerts.map((alert) => alert.ruleId)).toEqual(ruleId ? [ruleId] : []);
  });

  it('covers every default rule that alerts on security settings', () => {
    const expected = new Set(CHANGES.map(([, ruleId]) => ruleId));
    for (const id of ['attack-protection-disabled', 'bot-detection-disabled', 'mfa-weakened', 'allowlist-ip-added', 'security-settings-changed']) {
      expect(expected.has(id), id).toBe(true);
    }
  });
});
