/**
 * What people call the codes: Auth0 feature names (Brute-force Protection,
 * Suspicious IP Throttling, Breached Password Detection, Bot Detection,
 * Adaptive MFA, Guardian, refresh token rotation …) and everyday words
 * (locked out, leaked, stuffing, spam, throttled, takeover …), so that
 * `/logcode` and `lookup` find a code by the word someone types. Feature ↔ code
 * pairs follow Auth0's attack protection and log stream pages (e.g. the
 * prioritized log streams list: limit_sul "Blocked Account (IP Throttling)",
 * limit_wc "Blocked Account (Brute Force Protection)"). Read by
 * scripts/gen-catalog.ts; never imported at runtime.
 */
export const KEYWORDS: Record<string, readonly string[]> = {
  // Brute-force Protection: an account blocked after failed logins into it.
  limit_wc: ['brute-force protection', 'brute force', 'locked out', 'lockout', 'account locked', 'blocked account', 'blocked user', 'user blocked', 'too many attempts', 'attack protection'],
  // Suspicious IP Throttling: an IP (or an account from one IP) throttled.
  // Password spraying: few guesses per account across many accounts from one IP, what throttling stops.
  limit_mu: ['suspicious ip throttling', 'ip throttling', 'throttled', 'ip blocked', 'ip banned', 'credential stuffing', 'stuffing', 'password spray', 'password spraying', 'anomaly detection', 'attack protection'],
  limit_sul: ['suspicious ip throttling', 'ip throttling', 'throttled', 'locked out', 'attack protection'],
  ublkdu: ['unlocked', 'block released', 'lockout released', 'brute-force protection'],
  // Breached Password Detection.
  pwd_leak: ['breached password detection', 'leaked password', 'leaked', 'stolen password', 'compromised password', 'compromised account', 'hacked', 'hacked account', 'credential stuffing', 'account takeover', 'takeover', 'attack protection'],
  signup_pwd_leak: ['breached password detection', 'leaked password', 'leaked', 'signup fraud'],
  reset_pwd_leak: ['breached password detection', 'leaked password', 'leaked', 'password reset'],
  // Bot Detection.
  pla: ['bot detection', 'bot', 'bots', 'bot attack', 'captcha', 'attack protection'],
  // Adaptive MFA (risk assessment on logins).
  // 'mfa': the code someone typing mfa / 2fa / two-factor (rank.ts synonyms) most likely wants first.
  mfar: ['mfa', 'mfa required', 'adaptive mfa', 'risk assessment', 'risky login', 'impossible travel', 'new device', 'mfa prompt'],
  // Guardian (MFA push, SMS, voice, OTP).
  gd_send_pn: ['guardian', 'push notification', 'push fatigue', 'mfa fatigue', 'mfa bombing'],
  gd_auth_rejected: ['guardian', 'push rejected', 'push denied', 'mfa fatigue', 'takeover'],
  gd_auth_failed: ['guardian', 'mfa failed', 'failed mfa', 'wrong mfa code', 'otp'],
  gd_otp_rate_limit_exceed: ['guardian', 'otp', 'mfa brute force', 'locked out', 'throttled'],
  gd_recovery_rate_limit_exceed: ['guardian', 'recovery code', 'mfa brute force', 'throttled'],
  gd_enrollment_complete: ['guardian', 'mfa enrollment', 'enrolled', 'new factor', 'phone enrolled', 'device enrolled'],
  gd_send_sms: ['guardian', 'sms pumping', 'toll fraud', 'sms spam', 'spam', 'sms bombing'],
  gd_send_voice: ['guardian', 'voice call', 'toll fraud'],
  gd_unenroll: ['guardian', 'mfa removed', 'unenrolled'],
  // Refresh token rotation and reuse detection.
  ferrt: ['refresh token rotation', 'reuse detection', 'token reuse', 'stolen token', 'token theft', 'session hijacking', 'refresh token'],
  sertft: ['refresh token rotation', 'refresh token'],
  // invalid_grant: the OAuth error a failed exchange answers with.
  fertft: ['refresh token rotation', 'expired refresh token', 'revoked refresh token', 'invalid grant'],
  feacft: ['invalid grant', 'code exchange failed'],
  // Cross-origin authentication: the credential-stuffing path from other sites.
  fcoa: ['cross-origin authentication', 'cors', 'credential stuffing', 'stuffing', 'embedded login'],
  scoa: ['cross-origin authentication', 'cors', 'embedded login'],
  // Logins, signups, passwords.
  s: ['login', 'logged in', 'sign in', 'signed in'],
  f: ['login failed', 'failed login', 'sign in failed', 'wrong password', 'callback url mismatch'],
  fp: ['wrong password', 'incorrect password', 'failed login'],
  fu: ['wrong username', 'unknown user', 'user does not exist', 'failed login'],
  ss: ['signup', 'sign up', 'registration', 'new account', 'fake accounts', 'signup spam', 'spam accounts', 'signup fraud'],
  fs: ['signup failed', 'registration failed', 'signup fraud'],
  scp: ['password changed', 'password reset'],
  scpr: ['password reset', 'forgot password'],
  fcpr: ['password reset failed', 'forgot password'],
  cls: ['magic link', 'passwordless', 'email code'],
  sv: ['email verified', 'verification'],
  // Tenant administration.
  // The tenant changes the default pack alerts on are all sapi: people name the change, not the code.
  sapi: [
    'admin change', 'settings changed', 'management api', 'tenant settings', 'dashboard change', 'audit',
    'admin invited', 'owner invited', 'tenant member', 'tenant member deleted', 'mfa disabled', 'mfa policy',
    'allowlist', 'post login action', 'action bindings', 'client grant', 'scopes granted',
  ],
  mgmt_api_read: ['client secret', 'secret read', 'management api', 'audit'],
  seccft: ['client credentials', 'machine to machine', 'm2m token', 'api explorer'],
  // Rate limits and platform.
  api_limit: ['rate limit', 'too many requests', '429', 'throttled'],
  api_limit_warning: ['rate limit warning', 'rate limit', 'close to the limit'],
  limit_delegation: ['rate limit', 'delegation'],
  coff: ['connector down', 'ad ldap', 'active directory', 'connector offline'],
  depnote: ['deprecation', 'deprecated', 'migration'],
  du: ['user deleted'],
};
