import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runDeps } from '../../src/commands/run-deps.js';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { AUTH0_BASE, CLIENT_SECRET, captureLogger, logEvent, mockLogsPage, mockToken } from '../helpers/auth0-fixtures.js';
import { tempDir } from '../helpers/temp-db.js';

/** `run` tells what it cannot do well before it is asked: rule and configuration warnings at start, a failed poll in the dry-run summary. */

const RULE = 'id: blocked\nseverity: high\nmatch: { codes: [limit_wc] }\n';
let dir: string;
let cleanup: () => void;
let stdout: string[];
const originalLogger = runDeps.logger;
const originalWrite = runDeps.write;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'blocked.yml'), RULE);
  for (const name of ['TENANTS_FILE', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_API_URL', 'DATABASE_URL', 'POLL_SCHEDULE', 'LOG_LEVEL', 'LOG_STREAM_TOKEN', 'METRICS_TOKEN']) vi.stubEnv(name, '');
  const env = {
    AUTH0_DOMAIN: 'acme.eu.auth0.com',
    AUTH0_CLIENT_ID: 'test-client-id',
    AUTH0_CLIENT_SECRET: CLIENT_SECRET,
    ALERT_CHANNEL: '#alerts',
    STATE_DB: join(dir, 'data', 'state.db'),
    RULES_DIR: join(dir, 'rules'),
    START_FROM: '1h',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  nock.disableNetConnect();
  stdout = [];
  runDeps.write = (line) => stdout.push(line);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.useRealTimers();
  runDeps.logger = originalLogger;
  runDeps.write = originalWrite;
  nock.cleanAll();
  nock.enableNetConnect();
  cleanup();
});

/** The clock at 13:00, the tenant's first page from an hour before. */
function firstPage(): string {
  vi.useFakeTimers({ toFake: ['Date'] });
  const now = Date.parse('2024-05-01T13:00:00Z');
  vi.setSystemTime(now);
  mockToken();
  return syntheticCheckpoint(new Date(now - 3_600_000));
}

/** `run --once --dry-run` over one page: the logger it wrote to and the warnings it logged. */
async function dryRunWarnings() {
  const capture = captureLogger();
  runDeps.logger = capture.logger;
  mockLogsPage(firstPage(), []);
  expect(await main(['run', '--once', '--dry-run'])).toBe(0);
  return { capture, warnings: capture.records().filter((record) => record.level === 40).map((record) => String(record.msg)) };
}

describe('run says what it cannot do', () => {
  it('logs, at start, the rule warnings that may keep a rule from firing (rules check is not the only place they show)', async () => {
    writeFileSync(join(dir, 'rules', 'probe.yml'), 'id: probe\nseverity: high\nmatch: { codes: [s], where: { details.fooo: { equals: x } } }\n');
    mkdirSync(join(dir, 'rules', 'identity'));
    writeFileSync(join(dir, 'rules', 'identity', 'admin.yml'), RULE.replace('blocked', 'admin'));
    const { capture, warnings } = await dryRunWarnings();
    expect(warnings).toEqual([
      expect.stringMatching(/^rules: .*identity: 1 rule file in this subfolder is not read/),
      expect.stringMatching(/^rules: .*probe\.yml:3:31 match\.where\.details\.fooo: 'details\.fooo' is not a details field/),
    ]);
    // the test-coverage warnings are rules check's business, not the bot's log
    expect(capture.lines.join('\n')).not.toMatch(/has no (quiet test|test that fires)/);
  });

  it('logs, at start, once, a LOG_STREAM_TOKEN too short to resist guessing: its name and length, never the token', async () => {
    vi.stubEnv('LOG_STREAM_TOKEN', 'tok-1');
    vi.stubEnv('METRICS_TOKEN', 'a-long-enough-metrics-token');
    const { capture, warnings } = await dryRunWarnings();
    expect(warnings).toEqual([
      'configuration: LOG_STREAM_TOKEN is 5 characters: use at least 16 random characters (openssl rand -hex 32) — a short token can be guessed',
    ]);
    expect(capture.lines.join('\n')).not.toContain('tok-1');
  });

  it('--once --dry-run whose poll failed does not sum it up as "no rule matched"', async () => {
    runDeps.logger = captureLogger().logger;
    // A request Auth0 rejects (not retried, unlike a 5xx): the cycle fails.
    nock(AUTH0_BASE).get('/api/v2/logs').query({ from: firstPage(), take: '100' }).reply(400, { statusCode: 400, error: 'Bad Request', errorCode: 'invalid_query_string' });

    expect(await main(['run', '--once', '--dry-run'])).toBe(1);
    expect(stdout.at(-1)).toBe(
      'dry run: 0 events read from 1 tenant; 0 alerts and 0 thread replies would be posted (polling failed for 1 tenant: see the error above) — nothing posted, nothing stored',
    );
  });

  it('--once --dry-run without ALERT_CHANNEL says an alert has no channel, rather than an arrow to nothing', async () => {
    vi.stubEnv('ALERT_CHANNEL', '');
    runDeps.logger = captureLogger().logger;
    const blocked = logEvent(1, { type: 'limit_wc', user_name: 'a@example.com' }, new Date(Date.parse('2024-05-01T12:59:00Z')));
    mockLogsPage(firstPage(), [blocked]);
    mockLogsPage(blocked.log_id, []);

    expect(await main(['run', '--once', '--dry-run'])).toBe(0);
    expect(stdout[0]).toMatch(/^\[HIGH\] .*  → no channel \(ALERT_CHANNEL is not set\)$/m);
  });

  it('--once --dry-run that read events and matched nothing still says no rule matched', async () => {
    runDeps.logger = captureLogger().logger;
    const login = logEvent(1, { type: 's' }, new Date(Date.parse('2024-05-01T12:59:00Z')));
    mockLogsPage(firstPage(), [login]);
    mockLogsPage(login.log_id, []);

    expect(await main(['run', '--once', '--dry-run'])).toBe(0);
    expect(stdout.at(-1)).toContain('(no rule matched)');
  });
});
