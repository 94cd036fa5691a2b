import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { forgetSecrets } from '../src/secrets.js';

/** Security review follow-ups: short endpoint tokens are said, and the DATABASE_URL password never reaches a log or an error. */
const VALID = { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'secret' };
const noEnvFile = { envFile: false } as const;

afterEach(forgetSecrets);

function warningsFor(env: Record<string, string>): string[] {
  const warnings: string[] = [];
  loadConfig({ ...VALID, ...env }, { ...noEnvFile, warnings });
  return warnings;
}

describe('LOG_STREAM_TOKEN and METRICS_TOKEN shorter than 16 characters: one warning each, never the token', () => {
  it.each(['LOG_STREAM_TOKEN', 'METRICS_TOKEN'])('a short %s is said once, by name and length', (name) => {
    const warnings = warningsFor({ [name]: 'tok-1' });
    expect(warnings).toEqual([
      `${name} is 5 characters: use at least 16 random characters (openssl rand -hex 32) — a short token can be guessed`,
    ]);
    expect(warnings.join('\n')).not.toContain('tok-1');
  });

  it('both short: one warning for each; still a working configuration (not an error)', () => {
    const warnings = warningsFor({ LOG_STREAM_TOKEN: 'stream-tok-15ch', METRICS_TOKEN: 'm' });
    expect(warnings).toEqual([expect.stringMatching(/^LOG_STREAM_TOKEN is 15 characters: /), expect.stringMatching(/^METRICS_TOKEN is 1 character: /)]);
    expect(warnings.join('\n')).not.toContain('stream-tok-15ch');
  });

  it('16 characters or more, or no token at all: no warning', () => {
    expect(warningsFor({ LOG_STREAM_TOKEN: 'a'.repeat(16), METRICS_TOKEN: '0123456789abcdef0123456789abcdef' })).toEqual([]);
    expect(warningsFor({})).toEqual([]);
  });
});
