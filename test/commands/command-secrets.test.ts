import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { REDACTED, forgetSecrets, holdsSecret } from '../../src/secrets.js';
import { useCliOutput } from '../helpers/engine-cli-output.js';
import { PG_TEST_URL, describePg } from '../helpers/pg.js';

/**
 * Every command registers the environment's secrets before it does anything
 * (cli.ts, one hook): `status` opened DATABASE_URL without loadConfig, so a
 * PostgreSQL error echoing the password was printed as is.
 */
const output = useCliOutput();
afterEach(forgetSecrets);

const SECRETS = {
  AUTH0_CLIENT_SECRET: 'auth0-client-secret-9b7c',
  SLACK_BOT_TOKEN: 'slack-bot-token-not-xoxb-4e1f',
  SLACK_APP_TOKEN: 'slack-app-token-not-xapp-77aa',
  SLACK_SIGNING_SECRET: 'signing-secret-0c2d8e',
  LOG_STREAM_TOKEN: 'stream-token-5a6b7c8d9e',
  METRICS_TOKEN: 'metrics-token-1f2e3d4c',
};
const DB_PASSWORD = 'pg-pass-3e8d1a';

describe('every command registers the secrets of the environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'command-secrets-'));
    writeFileSync(join(dir, 'events.json'), '[]');
    for (const [name, value] of Object.entries(SECRETS)) vi.stubEnv(name, value);
    vi.stubEnv('DATABASE_URL', `postgres://bot:${DB_PASSWORD}@127.0.0.1:1/alerts`);
    vi.stubEnv('STATE_DB', join(dir, 'missing.db'));
    vi.stubEnv('RULES_DIR', dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['lookup', ['lookup', 'f']],
    ['rules check', ['rules', 'check', '--rules', '{dir}']],
    ['replay', ['replay', '{dir}/events.json', '--json']],
    ['demo', ['demo', '--json']],
    // Nothing configured for Auth0: exit 2 before anything starts — the secrets are registered all the same.
    ['run', ['run', '--once', '--dry-run']],
  ])('%s', async (_name, argv) => {
    // status gets its own test below: it would try the DATABASE_URL.
    await main(argv.map((arg) => arg.replace('{dir}', dir)));
    for (const value of [...Object.values(SECRETS), DB_PASSWORD]) expect(holdsSecret(`text with ${value} in it`), value).toBe(true);
    expect(output.stdout + output.stderr).not.toContain(DB_PASSWORD);
  });
});

await describePg('status: a PostgreSQL error echoing the DATABASE_URL password', () => {
  const PASSWORD = 'status-pg-secret-71c4';
  beforeEach(() => {
    vi.stubEnv('STATE_DB', '/nonexistent/state.db');
  });

  it('is printed scrubbed (exit 2), here through the database name the server says does not exist', async () => {
    // The server's own words quote parts of the URL (the database here, the user in a refused login):
    // a password pasted into the wrong part of it, or a database named like it, comes back in them.
    const url = new URL(PG_TEST_URL);
    url.password = PASSWORD;
    url.pathname = `/${PASSWORD}`;
    vi.stubEnv('DATABASE_URL', url.toString());
    expect(await main(['status'])).toBe(2);
    expect(output.stderr).toContain('does not exist');
    expect(output.stderr).toContain(REDACTED);
    expect(output.stdout + output.stderr).not.toContain(PASSWORD);
  });

  it('a ?password= query parameter (node-postgres takes it over the URL’s own) is scrubbed too', async () => {
    const url = new URL(PG_TEST_URL);
    url.pathname = `/${PASSWORD}`;
    url.searchParams.set('password', PASSWORD);
    vi.stubEnv('DATABASE_URL', url.toString());
    expect(await main(['status', '--json'])).toBe(2);
    expect(output.stderr).toContain('does not exist');
    expect(output.stdout + output.stderr).not.toContain(PASSWORD);
  });
});
