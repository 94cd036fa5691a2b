import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { REDACTED, forgetSecrets } from '../src/secrets.js';
import { explainPgOpenError } from '../src/state/postgres/errors.js';

/** Security review follow-ups: short endpoint tokens are said, and the DATABASE_URL password never reaches a log or an error. */
const VALID = { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'auth0-client-secret' };
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

describe('the password inside DATABASE_URL is a registered secret', () => {
  const PASSWORD = 'pg-Pass-4f9e1c';
  const URL_WITH_PASSWORD = `postgres://bot:${PASSWORD}@db.internal:5432/alerts`;

  function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
    const lines: string[] = [];
    write(createLogger('info', { write: (line: string) => void lines.push(line) }));
    return lines.join('');
  }

  it('a log line or field holding it is scrubbed once the configuration is loaded', () => {
    loadConfig({ ...VALID, DATABASE_URL: URL_WITH_PASSWORD }, noEnvFile);
    const out = logged((logger) => logger.error({ detail: `login as bot with ${PASSWORD}` }, `cannot reach ${URL_WITH_PASSWORD}`));
    expect(out).not.toContain(PASSWORD);
    expect(out).toContain(REDACTED);
    expect(out).toContain('db.internal:5432/alerts');
  });

  it('an error echoing the URL (a driver message) is scrubbed', () => {
    loadConfig({ ...VALID, DATABASE_URL: URL_WITH_PASSWORD }, noEnvFile);
    const error = explainPgOpenError(Object.assign(new Error(`connect ECONNREFUSED ${URL_WITH_PASSWORD}`), { code: 'ECONNREFUSED' }), 'db.internal:5432/alerts');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).toContain(REDACTED);
  });

  it('a percent-encoded password is scrubbed as written and as decoded', () => {
    loadConfig({ ...VALID, DATABASE_URL: 'postgres://bot:p%40ss-word-77@db/alerts' }, noEnvFile);
    const out = logged((logger) => logger.warn(`url p%40ss-word-77, decoded p@ss-word-77`));
    expect(out).not.toContain('p%40ss-word-77');
    expect(out).not.toContain('p@ss-word-77');
  });

  it('PGPASSWORD (node-postgres reads it when the URL has no password) is scrubbed too', () => {
    loadConfig({ ...VALID, DATABASE_URL: 'postgres://bot@db.internal/alerts', PGPASSWORD: 'pg-env-Pass-91' }, noEnvFile);
    const out = logged((logger) => logger.error({ detail: 'password pg-env-Pass-91 refused' }, 'login pg-env-Pass-91 failed'));
    expect(out).not.toContain('pg-env-Pass-91');
    expect(out).toContain(REDACTED);
  });

  it('a URL without a password registers nothing', () => {
    loadConfig({ ...VALID, DATABASE_URL: 'postgres://bot@db.internal/alerts' }, noEnvFile);
    expect(logged((logger) => logger.info('postgres://bot@db.internal/alerts'))).toContain('postgres://bot@db.internal/alerts');
  });
});

describe('secrets shorter than 8 characters: said at start, and still never printed', () => {
  function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
    const lines: string[] = [];
    write(createLogger('info', { write: (line: string) => void lines.push(line) }));
    return lines.join('');
  }

  it('a short DATABASE_URL password: one warning by length (of the password the server sees), and scrubbed where it stands alone', () => {
    const warnings = warningsFor({ DATABASE_URL: 'postgres://bot:pw%2312@db.internal/alerts' });
    expect(warnings).toEqual([
      'the password in DATABASE_URL is 5 characters: use at least 8 random characters — a short secret can be guessed, and one this short is scrubbed from logs and error messages only where it stands alone (not inside a longer word)',
    ]);
    const out = logged((logger) => logger.error('login as bot with pw#12 failed; url postgres://bot:pw%2312@db.internal/alerts'));
    expect(out).not.toContain('pw#12');
    expect(out).not.toContain('pw%2312');
  });

  it('a short AUTH0_CLIENT_SECRET or SLACK_SIGNING_SECRET: one warning each, never the value', () => {
    const warnings = warningsFor({ AUTH0_CLIENT_SECRET: 'abc12', SLACK_SIGNING_SECRET: 'x' });
    expect(warnings).toEqual([expect.stringMatching(/^AUTH0_CLIENT_SECRET is 5 characters: use at least 8 /), expect.stringMatching(/^SLACK_SIGNING_SECRET is 1 character: /)]);
    expect(warnings.join('\n')).not.toContain('abc12');
  });

  it('8 characters or more: no warning', () => {
    expect(warningsFor({ DATABASE_URL: 'postgres://bot:12345678@db/alerts', AUTH0_CLIENT_SECRET: 'abcdefgh', SLACK_SIGNING_SECRET: 'abcdefgh' })).toEqual([]);
  });
});

describe('TENANTS_FILE: a tenant’s own short log-stream token is said as LOG_STREAM_TOKEN is — the tenant and file:line, never the token', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenants-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function tenantsFile(lines: string[]): string {
    const file = join(dir, 'tenants.yml');
    writeFileSync(file, ['tenants:', ...lines].join('\n'));
    return file;
  }

  it('one warning per short token, at the key that sets it (inline or by environment variable); a tenant using LOG_STREAM_TOKEN gets none of its own', () => {
    const file = tenantsFile([
      '  - name: acme-prod',
      '    domain: acme.eu.auth0.com',
      '    client_id: a',
      '    client_secret: acme-client-secret',
      '    log_stream_token: acme-tok',
      '  - name: globex',
      '    domain: globex.eu.auth0.com',
      '    client_id: g',
      '    client_secret: globex-client-secret',
      '    log_stream_token_env: GLOBEX_STREAM',
      '  - name: initech',
      '    domain: initech.eu.auth0.com',
      '    client_id: i',
      '    client_secret: initech-client-secret',
      '    log_stream_token: initech-stream-token-long-enough',
      '  - name: shared',
      '    domain: shared.eu.auth0.com',
      '    client_id: s',
      '    client_secret: shared-client-secret',
    ]);
    const warnings: string[] = [];
    loadConfig({ TENANTS_FILE: file, GLOBEX_STREAM: 'gx-5', LOG_STREAM_TOKEN: 'l'.repeat(32) }, { ...noEnvFile, warnings });
    expect(warnings).toEqual([
      `TENANTS_FILE ${file}:6:23 tenants[0].log_stream_token: the log-stream token of tenant acme-prod is 8 characters: use at least 16 random characters (openssl rand -hex 32) — a short token can be guessed`,
      `TENANTS_FILE ${file}:11:27 tenants[1].log_stream_token_env: the log-stream token of tenant globex (environment variable GLOBEX_STREAM) is 4 characters: use at least 16 random characters (openssl rand -hex 32) — a short token can be guessed`,
    ]);
    expect(warnings.join('\n')).not.toContain('acme-tok');
    expect(warnings.join('\n')).not.toContain('gx-5');
  });

  it('a short client secret in the file is said too (under 8 characters), by tenant and line', () => {
    const file = tenantsFile(['  - { name: acme-prod, domain: acme.eu.auth0.com, client_id: a, client_secret: abc }']);
    const warnings: string[] = [];
    loadConfig({ TENANTS_FILE: file }, { ...noEnvFile, warnings });
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^TENANTS_FILE ${file}:2:\\d+ tenants\\[0\\]\\.client_secret: the client secret of tenant acme-prod is 3 characters: use at least 8 `))]);
  });
});
