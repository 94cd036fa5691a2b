import { describe, expect, it } from 'vitest';
import { createCatalog, loadCatalog } from '../../src/catalog/index.js';
import { KEYWORDS } from '../../scripts/catalog-keywords.js';

// Issue 13: people type the Auth0 feature or the symptom, not the code.
// [query, code expected, within the top N] — N is 1 unless the query names
// several codes equally (a feature that logs two codes).
const catalog = loadCatalog();
const top = (query: string, n: number) => catalog.search(query).slice(0, n).map((match) => match.entry.code);

describe('lookup / /logcode by what people call the codes', () => {
  it.each([
    // Auth0 feature names
    ['Brute-force Protection', 'limit_wc', 1],
    ['brute force protection', 'limit_wc', 1],
    ['Suspicious IP Throttling', 'limit_mu', 1],
    ['ip throttling', 'limit_mu', 2],
    ['Breached Password Detection', 'pwd_leak', 1],
    ['Bot Detection', 'pla', 1],
    ['captcha', 'pla', 1],
    ['Adaptive MFA', 'mfar', 1],
    ['risk assessment', 'mfar', 1],
    ['Guardian push notification', 'gd_send_pn', 1],
    ['refresh token rotation', 'ferrt', 1],
    ['reuse detection', 'ferrt', 1],
    ['cross-origin authentication', 'fcoa', 2],
    ['magic link', 'cls', 1],
    ['client secret', 'mgmt_api_read', 1],
    // everyday words
    ['locked out', 'limit_wc', 1],
    ['lockout', 'limit_wc', 2],
    ['account locked', 'limit_wc', 1],
    ['leaked', 'pwd_leak', 3],
    ['leaked password', 'pwd_leak', 1],
    ['stuffing', 'limit_mu', 2],
    ['credential stuffing', 'limit_mu', 2],
    ['spam', 'gd_send_sms', 1],
    ['sms pumping', 'gd_send_sms', 1],
    ['toll fraud', 'gd_send_sms', 2],
    ['throttled', 'limit_mu', 2],
    ['blocked', 'limit_mu', 3],
    ['takeover', 'pwd_leak', 1],
    ['push fatigue', 'gd_send_pn', 1],
    ['mfa bombing', 'gd_send_pn', 1],
    ['rate limit', 'api_limit', 2],
    ['too many requests', 'api_limit', 1],
    ['forgot password', 'scpr', 2],
    ['wrong password', 'fp', 1],
    ['signup fraud', 'ss', 3],
    ['connector down', 'coff', 1],
    ['deprecated', 'depnote', 1],
    ['impossible travel', 'mfar', 1],
    // what a security engineer types for the default pack's detections (audit of issue 13)
    ['password spray', 'limit_mu', 1],
    ['password spraying', 'limit_mu', 1],
    ['admin invited', 'sapi', 1],
    ['tenant member deleted', 'sapi', 1],
    ['owner', 'sapi', 1],
    ['mfa disabled', 'sapi', 2],
    ['allowlist', 'sapi', 1],
    ['post-login action', 'sapi', 1],
    ['client grant', 'sapi', 1],
    ['invalid_grant', 'fertft', 2],
    ['session hijacking', 'ferrt', 1],
    ['phone enrolled', 'gd_enrollment_complete', 1],
    ['ip banned', 'limit_mu', 1],
  ])('%j finds %s within the top %i', (query, code, n) => {
    expect(top(query, n)).toContain(code);
  });

  // The code people most likely mean comes first, not merely near the top.
  it.each([
    ['spam', 'gd_send_sms'],
    ['signup spam', 'ss'],
    ['bot', 'pla'],
    ['bots', 'pla'],
    ['stolen password', 'pwd_leak'],
    ['password stolen', 'pwd_leak'], // words in another order
    ['hacked', 'pwd_leak'],
    ['locked out', 'limit_wc'],
    ['lockout', 'limit_wc'],
    ['blocked user', 'limit_wc'],
    ['brute force', 'limit_wc'],
    ['2fa', 'mfar'],
    ['2FA failed', 'gd_auth_failed'],
    ['two-factor', 'mfar'],
    ['two factor authentication', 'mfar'],
    ['mfa', 'mfar'],
    ['mfa failed', 'gd_auth_failed'],
    ['signin', 's'],
    ['leaked', 'pwd_leak'],
    ['captcha', 'pla'],
    ['push fatigue', 'gd_send_pn'],
    ['wrong password', 'fp'],
    ['too many requests', 'api_limit'],
    ['connector down', 'coff'],
    ['stolen token', 'ferrt'],
    // a keyword that is the query outranks one that merely resembles it (fertft: 'expired refresh token')
    ['refresh token', 'ferrt'],
    ['login', 's'],
  ])('%j finds %s first', (query, code) => {
    expect(top(query, 1)).toEqual([code]);
  });

  it('leaves out letter-alike noise once something matches well ("spam" is not "sync")', () => {
    expect(top('spam', 10)).toEqual(['gd_send_sms', 'ss']);
  });

  it('owes these results to the keywords: without them the feature names find nothing or the wrong code', () => {
    const bare = createCatalog({ entries: catalog.all().map((entry) => ({ ...entry, keywords: [] })) });
    const first = (query: string) => bare.search(query)[0]?.entry.code;
    expect(first('Suspicious IP Throttling')).not.toBe('limit_mu');
    expect(first('locked out')).not.toBe('limit_wc');
    expect(first('spam')).not.toBe('gd_send_sms');
    expect(first('takeover')).not.toBe('pwd_leak');
  });

  it('gives keywords only to codes the catalog has', () => {
    const codes = new Set(catalog.all().map((entry) => entry.code));
    expect(Object.keys(KEYWORDS).filter((code) => !codes.has(code))).toEqual([]);
    expect(catalog.get('limit_sul')?.keywords).toContain('suspicious ip throttling');
  });
});
