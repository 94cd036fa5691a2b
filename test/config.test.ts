import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEnvFile, envFileWarnings, loadConfig, runFlagProblems } from '../src/config/index.js';
import { dashboardFor, parseAuth0Domain } from '../src/config/domain.js';
import { parseStartFrom } from '../src/config/start-from.js';
import { ConfigError } from '../src/errors.js';
import { forgetSecrets } from '../src/secrets.js';
import { tempDir } from './helpers/temp-db.js';

const VALID = {
  AUTH0_DOMAIN: 'acme.eu.auth0.com',
  AUTH0_CLIENT_ID: 'id',
  AUTH0_CLIENT_SECRET: 'secret',
  SLACK_BOT_TOKEN: 'xoxb-1',
  ALERT_CHANNEL: '#alerts',
};
const noEnvFile = { envFile: false } as const;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const cleanups: Array<() => void> = [];
// loadConfig registers the secrets it reads: one test's 's' must not be scrubbed from the next one's messages.
afterEach(() => {
  cleanups.splice(0).forEach((c) => c());
  forgetSecrets();
});

/** A file of this text in a fresh temp folder (removed after the test). */
function tempFile(name: string, text: string): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('fills every default from a minimal environment', () => {
    const config = loadConfig(VALID, noEnvFile);
    expect(config).toMatchObject({
      pollSchedule: '*/30 * * * * *',
      stateDb: './data/state.db',
      rulesDirs: ['./rules'],
      startFrom: { kind: 'now' },
      port: 3000,
      logLevel: 'info',
      slack: { apiUrl: 'https://slack.com/api/', botToken: 'xoxb-1' },
    });
    expect(config.tenants).toEqual([
      {
        key: 'acme.eu.auth0.com',
        domain: { baseUrl: 'https://acme.eu.auth0.com', host: 'acme.eu.auth0.com' },
        clientId: 'id',
        clientSecret: 'secret',
        audience: 'https://acme.eu.auth0.com/api/v2/',
        defaultChannel: undefined,
        dashboard: { region: 'eu', tenant: 'acme' },
      },
    ]);
  });

  it('takes DATABASE_URL only as a postgres:// URL, never repeating it (it may hold a password)', () => {
    const url = 'postgres://bot:s3cret@db.internal:5432/alerts';
    expect(loadConfig({ ...VALID, DATABASE_URL: url }, noEnvFile).databaseUrl).toBe(url);
    expect(loadConfig({ ...VALID, DATABASE_URL: 'postgresql://db/alerts' }, noEnvFile).databaseUrl).toBe('postgresql://db/alerts');
    expect(loadConfig(VALID, noEnvFile).databaseUrl).toBeUndefined();
    const problems = problemsOf(() => loadConfig({ ...VALID, DATABASE_URL: 'mysql://bot:s3cret@db/alerts' }, noEnvFile));
    expect(problems).toEqual(['DATABASE_URL is not a PostgreSQL URL (postgres://user:password@host:5432/database)']);
  });

  it('takes REPLICA_ID and TENANT_LEASE_MS, with a 15 s lease by default', () => {
    expect(loadConfig(VALID, noEnvFile)).toMatchObject({ tenantLeaseMs: 15_000 });
    expect(loadConfig(VALID, noEnvFile).replicaId).toBeUndefined();
    expect(loadConfig({ ...VALID, REPLICA_ID: 'alerts-7d9f/pod-2', TENANT_LEASE_MS: '6000' }, noEnvFile)).toMatchObject({ replicaId: 'alerts-7d9f/pod-2', tenantLeaseMs: 6000 });
    expect(problemsOf(() => loadConfig({ ...VALID, REPLICA_ID: 'two words', TENANT_LEASE_MS: '500' }, noEnvFile))).toEqual([
      'REPLICA_ID must be 1 to 100 letters, digits or . _ : @ / - (it names this replica in logs and status)',
      'TENANT_LEASE_MS must be milliseconds between 1000 and 600000 (default 15000)',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig(
        {
          AUTH0_DOMAIN: 'not a domain!',
          POLL_SCHEDULE: 'every now and then',
          START_FROM: 'yesterday-ish',
          PORT: '70000',
          HEALTH_PORT: 'abc',
          LOG_LEVEL: 'loud',
          SLACK_API_URL: 'ftp://x',
        },
        { ...noEnvFile, requireSlack: true },
      ),
    );
    // One line per problem, each naming its variable.
    for (const name of [
      'AUTH0_DOMAIN "not a domain!"',
      'AUTH0_CLIENT_ID is missing',
      'AUTH0_CLIENT_SECRET is missing',
      'POLL_SCHEDULE',
      'START_FROM "yesterday-ish"',
      'PORT "70000"',
      'HEALTH_PORT "abc"',
      'LOG_LEVEL',
      'SLACK_API_URL',
      'SLACK_BOT_TOKEN is missing',
      'ALERT_CHANNEL is missing',
    ]) {
      expect(problems.some((p) => p.includes(name)), `${name} in ${problems.join(' | ')}`).toBe(true);
    }
    expect(problems).toHaveLength(11);
  });

  it('does not require Slack for a dry run nor Auth0 when asked not to', () => {
    expect(loadConfig({ AUTH0_DOMAIN: 'a.auth0.com', AUTH0_CLIENT_ID: 'i', AUTH0_CLIENT_SECRET: 's' }, noEnvFile).slack.botToken).toBeUndefined();
    expect(loadConfig({}, { ...noEnvFile, requireAuth0: false }).tenants).toEqual([]);
  });

  it('reads .env but lets the environment win', () => {
    const envFile = tempFile('.env', 'AUTH0_DOMAIN=from-file.auth0.com\nAUTH0_CLIENT_ID=file-id\nAUTH0_CLIENT_SECRET="file secret"\nRULES_DIR=/rules\n');
    const config = loadConfig({ AUTH0_CLIENT_ID: 'env-id' }, { envFile });
    expect(config.tenants[0]).toMatchObject({ key: 'from-file.auth0.com', clientId: 'env-id', clientSecret: 'file secret' });
    expect(config.rulesDirs).toEqual(['/rules']);
  });

  it('explains an unquoted #channel in .env instead of only calling it missing', () => {
    const envFile = tempFile('.env', 'SLACK_BOT_TOKEN=xoxb-1\nALERT_CHANNEL=#ops\n');
    const { AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET } = VALID;
    const error = captureConfigError(() =>
      loadConfig({ AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET }, { envFile, requireSlack: true }),
    );
    // once, in its own words: not also as "ALERT_CHANNEL is missing"
    expect(error.problems).toEqual([expect.stringMatching(/\.env:2: ALERT_CHANNEL starts with an unquoted # .*ALERT_CHANNEL="#security-alerts"/)]);
  });

  it('applies .env for every command, but leaves its problems to run\'s configuration check there (said once, not as a warning too)', () => {
    const envFile = tempFile('.env', 'ALERT_CHANNEL=#ops\n');
    expect(envFileWarnings(['lookup', 'fcoa'], {}, envFile)).toEqual([expect.stringMatching(/ALERT_CHANNEL starts with an unquoted #/)]);
    const env: NodeJS.ProcessEnv = {};
    expect(envFileWarnings(['run', '--once'], env, envFile)).toEqual([]);
    expect(env).toEqual({ ALERT_CHANNEL: '' });
  });

  it('applies .env to the environment of every command, without overriding what is set', () => {
    const envFile = tempFile('.env', 'RULES_DIR=/from-file\nALERT_CHANNEL="#from-file"\nSTATE_DB=/file.db\n');
    const env: NodeJS.ProcessEnv = { STATE_DB: '/env.db' };
    expect(applyEnvFile(env, envFile)).toEqual([]);
    expect(env).toEqual({ STATE_DB: '/env.db', RULES_DIR: '/from-file', ALERT_CHANNEL: '#from-file' });
    expect(applyEnvFile(env, join(dirname(envFile), 'missing.env'))).toEqual([]);
  });

  it('accepts a full URL for a local stand-in and derives the audience from it', () => {
    const config = loadConfig({ ...VALID, AUTH0_DOMAIN: 'http://127.0.0.1:4010' }, noEnvFile);
    expect(config.tenants[0]).toMatchObject({
      key: '127.0.0.1:4010',
      domain: { baseUrl: 'http://127.0.0.1:4010' },
      audience: 'http://127.0.0.1:4010/api/v2/',
      dashboard: undefined,
    });
  });

  it('reads several tenants from TENANTS_FILE, secrets by environment variable', () => {
    const file = tempFile('tenants.yml', [
        'tenants:',
        '  - { name: prod, domain: acme.auth0.com, client_id: p, client_secret_env: PROD_SECRET, channel: "#prod" }',
        '  - { name: dev, domain: login.example.com, client_id: d, client_secret: dev-s, dashboard: { region: eu, tenant: acme-dev } }',
      ].join('\n'));
    const config = loadConfig({ TENANTS_FILE: file, PROD_SECRET: 'ps' }, noEnvFile);
    expect(config.tenants.map((t) => [t.key, t.clientSecret, t.defaultChannel, t.dashboard])).toEqual([
      ['prod', 'ps', '#prod', { region: 'us', tenant: 'acme' }],
      ['dev', 'dev-s', undefined, { region: 'eu', tenant: 'acme-dev' }],
    ]);
    const problems = problemsOf(() => loadConfig({ TENANTS_FILE: file }, noEnvFile));
    expect(problems).toEqual([`TENANTS_FILE ${file}:2:76 tenants[0].client_secret_env: environment variable PROD_SECRET is not set`]);
  });

  it('gives each tenant its log-stream token: its own from TENANTS_FILE, else LOG_STREAM_TOKEN, else none', () => {
    const file = tempFile('tenants.yml', [
        'tenants:',
        '  - { name: a, domain: a.auth0.com, client_id: a, client_secret: s, log_stream_token_env: A_STREAM }',
        '  - { name: b, domain: b.auth0.com, client_id: b, client_secret: s, log_stream_token: b-token-inline }',
        '  - { name: c, domain: c.auth0.com, client_id: c, client_secret: s }',
      ].join('\n'));
    const withDefault = loadConfig({ TENANTS_FILE: file, A_STREAM: 'a-token-env', LOG_STREAM_TOKEN: 'shared-token' }, noEnvFile);
    expect(withDefault.tenants.map((t) => t.logStreamToken)).toEqual(['a-token-env', 'b-token-inline', 'shared-token']);
    const without = loadConfig({ TENANTS_FILE: file, A_STREAM: 'a-token-env' }, noEnvFile);
    expect(without.tenants.map((t) => t.logStreamToken)).toEqual(['a-token-env', 'b-token-inline', undefined]);
    expect(problemsOf(() => loadConfig({ TENANTS_FILE: file }, noEnvFile))).toEqual([expect.stringMatching(/log_stream_token_env: environment variable A_STREAM is not set/)]);
    // One tenant from AUTH0_*: LOG_STREAM_TOKEN is its token; METRICS_TOKEN is read too.
    const single = loadConfig({ AUTH0_DOMAIN: 'x.auth0.com', AUTH0_CLIENT_ID: 'i', AUTH0_CLIENT_SECRET: 's', LOG_STREAM_TOKEN: 'tok-1', METRICS_TOKEN: 'm-1' }, noEnvFile);
    expect(single.tenants[0]!.logStreamToken).toBe('tok-1');
    expect(single.metricsToken).toBe('m-1');
  });

  it('points at a broken TENANTS_FILE by line and column without quoting it (the line may hold a secret)', () => {
    const file = tempFile('tenants.yml', 'tenants:\n  - name: prod\n    client_secret: s3cr3t-VALUE: x\n');
    const problems = problemsOf(() => loadConfig({ TENANTS_FILE: file }, noEnvFile));
    expect(problems).toEqual([`TENANTS_FILE ${file}:3:20 is not valid YAML: YAML cannot read this line here: check its indentation, and that a value holding ": " is quoted`]);
    expect(problems.join('\n')).not.toContain('s3cr3t');
  });
});

describe('the configuration mistakes people make, each reported once, all in one round', () => {
  it('lists every TENANTS_FILE problem at file:line:col, never quoting a value', () => {
    const file = tempFile('tenants.yml', [
        'tenants:',
        '  - name: prod',
        '    domain: acme.eu.auth0.com',
        '    client_id: p',
        '    client_secret: 12345678',
        '    chanel: "#prod"',
        '  - name: prod',
        '    domain: your-tenant.eu.auth0.com',
        '    client_id: d',
        '    client_secret_env: DEV_SECRET',
      ].join('\n'));
    const problems = problemsOf(() => loadConfig({ TENANTS_FILE: file, AUTH0_DOMAIN: 'your-tenant.eu.auth0.com' }, noEnvFile));
    expect(problems).toEqual([
      `TENANTS_FILE ${file}:5:20 tenants[0].client_secret: expected text, found a number`,
      `TENANTS_FILE ${file}:6:5 tenants[0].chanel: unknown key 'chanel' — did you mean 'channel'?`,
      `TENANTS_FILE ${file}:7:11 tenants[1].name: duplicate tenant name "prod"`,
      `TENANTS_FILE ${file}:8:13 tenants[1].domain: domain is still the placeholder from .env.example (your-tenant.eu.auth0.com): put your tenant's domain (Auth0 Dashboard → Applications → your M2M app → Settings → Domain)`,
      `TENANTS_FILE ${file}:10:24 tenants[1].client_secret_env: environment variable DEV_SECRET is not set`,
    ]);
    expect(problems.join('\n')).not.toContain('12345678');
  });

  it('refuses the placeholder domain of .env.example', () => {
    const problems = problemsOf(() => loadConfig({ ...VALID, AUTH0_DOMAIN: 'your-tenant.eu.auth0.com' }, noEnvFile));
    expect(problems).toEqual([expect.stringMatching(/^AUTH0_DOMAIN is still the placeholder from \.env\.example \(your-tenant\.eu\.auth0\.com\)/)]);
  });

  it.each([
    // both swapped: one sentence, not two
    ['both tokens swapped', { SLACK_BOT_TOKEN: 'xapp-1-A', SLACK_APP_TOKEN: 'xoxb-2' }, ['SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped: the bot token starts with xoxb-, the app-level token with xapp-']],
    ['an app token as bot token', { SLACK_BOT_TOKEN: 'xapp-1-A' }, [expect.stringMatching(/^SLACK_BOT_TOKEN holds an app-level token \(xapp-…\)/)]],
    ['a user token as bot token', { SLACK_BOT_TOKEN: 'xoxp-1' }, [expect.stringMatching(/^SLACK_BOT_TOKEN holds a user token \(xoxp-…\)/)]],
    ['a bot token as app token', { SLACK_APP_TOKEN: 'xoxb-9' }, [expect.stringMatching(/^SLACK_APP_TOKEN holds a bot token \(xoxb-…\)/)]],
  ])('names %s', (_name, tokens, expected) => {
    const problems = problemsOf(() => loadConfig({ ...VALID, ...tokens }, { ...noEnvFile, requireSlack: true }));
    expect(problems).toEqual(expected);
    // a token is never printed back
    expect(problems.join('\n')).not.toMatch(/xapp-1-A|xoxb-2|xoxb-9/);
  });

  it('reports command-line problems with the configuration in one round', () => {
    const problems = problemsOf(() =>
      loadConfig({ ...VALID, AUTH0_CLIENT_ID: '' }, { ...noEnvFile, commandProblems: runFlagProblems({ json: true, dryRun: false }) }),
    );
    expect(problems).toEqual(['--json needs --dry-run: only a dry run prints the messages instead of posting them', 'AUTH0_CLIENT_ID is missing']);
    expect(runFlagProblems({ json: true, dryRun: true })).toEqual([]);
  });
});

describe('parseAuth0Domain and dashboardFor', () => {
  it.each([
    // regional tenant
    ['acme.eu.auth0.com', { region: 'eu', tenant: 'acme' }],
    // historical US tenant without region label
    ['acme.auth0.com', { region: 'us', tenant: 'acme' }],
    ['https://Acme.US.auth0.com', { region: 'us', tenant: 'acme' }],
    // custom domains reveal nothing
    ['login.example.com', undefined],
  ])('%s → %j', (raw, expected) => {
    const domain = parseAuth0Domain(raw);
    if ('problem' in domain) throw new Error(domain.problem);
    expect(dashboardFor(domain)).toEqual(expected);
  });

  it.each(['acme .auth0.com', 'https://acme.auth0.com/api', 'https://user:pw@acme.auth0.com', ''])('rejects %j', (raw) => {
    expect(parseAuth0Domain(raw)).toHaveProperty('problem');
  });
});

describe('parseStartFrom', () => {
  it.each([
    ['now', { kind: 'now' }],
    ['1h', { kind: 'ago', ms: 3_600_000 }],
    ['1h30m', { kind: 'ago', ms: 5_400_000 }],
    ['7d', { kind: 'ago', ms: 604_800_000 }],
    ['2024-05-01T00:00:00Z', { kind: 'date', at: new Date('2024-05-01T00:00:00Z') }],
  ])('%s', (raw, expected) => {
    expect(parseStartFrom(raw)).toEqual(expected);
  });

  it.each(['0h', 'soon', '2024-13-45', '-1h'])('rejects %j', (raw) => {
    expect(parseStartFrom(raw)).toHaveProperty('problem');
  });
});

function captureConfigError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
