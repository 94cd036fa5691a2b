import { writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runDeps } from '../../src/commands/run-deps.js';
import { openStateDb } from '../../src/state/sqlite/db.js';
import { commitPage, readTenantState } from '../../src/state/sqlite/tenant-state.js';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { CLIENT_SECRET, ACCESS_TOKEN, AUTH0_BASE, captureLogger, logEvent, mockLogsPage, mockToken } from '../helpers/auth0-fixtures.js';
import { tempDir } from '../helpers/temp-db.js';

const ENV_NAMES = [
  'AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET', 'AUTH0_AUDIENCE', 'TENANTS_FILE', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET', 'SLACK_API_URL', 'ALERT_CHANNEL', 'POLL_SCHEDULE', 'STATE_DB', 'RULES_DIR', 'START_FROM', 'PORT',
  'HEALTH_PORT', 'LOG_LEVEL',
];
const RULE = `id: blocked
title: "Account blocked: {{user_name}}"
description: An account was blocked.
severity: high
match: { codes: [limit_wc] }
throttle: { period: 1h, by: [user_name] }
`;

let dir: string;
let cleanup: () => void;
let stdout: string[];
let stderr: string[];
const originalLogger = runDeps.logger;
const originalWrite = runDeps.write;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'defaults.yml'), 'use_defaults: false\n'); // only RULE
  writeFileSync(join(dir, 'rules', 'blocked.yml'), RULE);
  for (const name of ENV_NAMES) vi.stubEnv(name, '');
  nock.disableNetConnect();
  stdout = [];
  stderr = [];
  runDeps.write = (line) => stdout.push(line);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  runDeps.logger = originalLogger;
  runDeps.write = originalWrite;
  nock.cleanAll();
  nock.enableNetConnect();
  cleanup();
});

function validEnv(extra: Record<string, string> = {}) {
  const values = {
    AUTH0_DOMAIN: 'acme.eu.auth0.com',
    AUTH0_CLIENT_ID: 'test-client-id',
    AUTH0_CLIENT_SECRET: CLIENT_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test',
    ALERT_CHANNEL: '#alerts',
    STATE_DB: join(dir, 'state', 'state.db'),
    RULES_DIR: join(dir, 'rules'),
    ...extra,
  };
  for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
}

/** A state file whose tenant already has a checkpoint (the bot ran before). */
function seedCheckpoint(): string {
  const checkpoint = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
  const db = openStateDb(join(dir, 'state', 'state.db'));
  commitPage(db, 'acme.eu.auth0.com', { checkpoint, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
  db.close();
  return checkpoint;
}

describe('run command', () => {
  it('exits 2 listing every configuration problem, before any network call', async () => {
    vi.stubEnv('AUTH0_DOMAIN', 'https://acme.eu.auth0.com/some/path');
    vi.stubEnv('POLL_SCHEDULE', '61 * * * *');
    vi.stubEnv('START_FROM', 'last tuesday');
    vi.stubEnv('STATE_DB', join(dir, 'never', 'state.db'));
    const token = mockToken();

    expect(await main(['run', '--once'])).toBe(2);

    const message = stderr.join('');
    for (const expected of ['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID is missing', 'AUTH0_CLIENT_SECRET is missing', 'POLL_SCHEDULE', 'START_FROM', 'SLACK_BOT_TOKEN is missing', 'ALERT_CHANNEL is missing']) {
      expect(message).toContain(expected);
    }
    expect(token.isDone()).toBe(false); // the token interceptor was never used
    expect(nock.pendingMocks()).toHaveLength(1);
    expect(existsSync(join(dir, 'never'))).toBe(false); // nothing was created either
  });

  it('exits 2 listing every problem in one round: a TENANTS_FILE with several mistakes (unknown keys among them), the environment\'s and the rules\'', async () => {
    validEnv({ POLL_SCHEDULE: 'every minute', SLACK_BOT_TOKEN: 'xapp-1-A', AUTH0_DOMAIN: '', AUTH0_CLIENT_ID: '', AUTH0_CLIENT_SECRET: '' });
    const tenantsFile = join(dir, 'tenants.yml');
    writeFileSync(
      tenantsFile,
      [
        'tenants:',
        '  - name: acme-prod',
        '    domain: YOUR_TENANT.auth0.com', // the .env.example placeholder
        '    client_id: abc',
        '    client_secret_env: ACME_SECRET_UNSET',
        '    chanel: "#acme"', // misspelt: must not hide the two mistakes above
        '  - name: acme-prod', // a duplicate name
        '    domain: globex.eu.auth0.com',
        '    client_id: def',
        '    client_secret: s3cret-do-not-print',
        '    log_stream_token_env: GLOBEX_STREAM_UNSET',
        'defaults: {}', // unknown top-level key: must not hide the entries
        '',
      ].join('\n'),
    );
    vi.stubEnv('TENANTS_FILE', tenantsFile);
    writeFileSync(join(dir, 'rules', 'broken.yml'), 'id: broken\nseverity: loud\n');
    const token = mockToken();

    expect(await main(['run', '--once'])).toBe(2);

    const problems = stderr.join('').split('\n').filter((line) => line.startsWith('  - ')).map((line) => line.slice(4));
    const expected = [
      'POLL_SCHEDULE is not a valid node-cron expression',
      `TENANTS_FILE ${tenantsFile}:6:5 tenants[0].chanel: unknown key 'chanel' — did you mean 'channel'?`,
      `TENANTS_FILE ${tenantsFile}:12:1 defaults: unknown key 'defaults'`,
      `TENANTS_FILE ${tenantsFile}:3:13 tenants[0].domain: domain "YOUR_TENANT.auth0.com"`,
      `TENANTS_FILE ${tenantsFile}:5:24 tenants[0].client_secret_env: environment variable ACME_SECRET_UNSET is not set`,
      `TENANTS_FILE ${tenantsFile}:7:11 tenants[1].name: duplicate tenant name "acme-prod"`,
      `TENANTS_FILE ${tenantsFile}:11:27 tenants[1].log_stream_token_env: environment variable GLOBEX_STREAM_UNSET is not set`,
      'SLACK_BOT_TOKEN holds an app-level token (xapp-…)',
      'the rules (',
      'broken.yml',
    ];
    for (const start of expected) expect(problems.filter((problem) => problem.startsWith(start) || (start === 'broken.yml' && problem.includes(start)))).not.toEqual([]);
    // Each reported once.
    expect(new Set(problems).size).toBe(problems.length);
    expect(stderr.join('')).not.toContain('s3cret-do-not-print');
    expect(token.isDone()).toBe(false);
  });

  it('exits 2 when the rules are broken, before any network call', async () => {
    validEnv();
    writeFileSync(join(dir, 'rules', 'broken.yml'), 'id: broken\nseverity: loud\n');
    const token = mockToken();
    expect(await main(['run', '--once'])).toBe(2);
    expect(stderr.join('')).toContain('broken.yml');
    expect(token.isDone()).toBe(false);
  });

  it('exits 2 for --json without --dry-run, listed with the other configuration problems', async () => {
    validEnv({ SLACK_BOT_TOKEN: 'xapp-1-A', SLACK_APP_TOKEN: 'xoxb-1' });
    const token = mockToken();
    expect(await main(['run', '--once', '--json'])).toBe(2);
    expect(stderr.join('')).toContain('--json needs --dry-run');
    expect(stderr.join('')).toContain('SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped');
    expect(token.isDone()).toBe(false);
  });

  it('exits 2 when no rule is enabled (a bot watching nothing), before any network call', async () => {
    validEnv();
    writeFileSync(join(dir, 'rules', 'blocked.yml'), `${RULE}enabled: false\n`);
    const token = mockToken();
    expect(await main(['run', '--once'])).toBe(2);
    expect(stderr.join('')).toContain('no enabled rules');
    expect(token.isDone()).toBe(false);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('--once --dry-run --json prints the Slack messages and changes nothing stored', async () => {
    validEnv({ START_FROM: '1h' });
    const capture = captureLogger();
    runDeps.logger = capture.logger;
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.parse('2024-05-01T13:00:00Z');
    vi.setSystemTime(now);
    const blocked = logEvent(1, { type: 'limit_wc', user_name: 'carol@example.com' }, new Date(now - 60_000));
    mockToken();
    mockLogsPage(syntheticCheckpoint(new Date(now - 3_600_000)), [blocked]);
    mockLogsPage(blocked.log_id, []);

    const code = await main(['run', '--once', '--dry-run', '--json']);
    vi.useRealTimers();
    expect(code).toBe(0);
    expect(nock.pendingMocks()).toEqual([]);

    expect(stdout).toHaveLength(1);
    const message = JSON.parse(stdout[0]!);
    expect(message).toMatchObject({ channel: '#alerts', metadata: { event_type: 'auth0_log_alert', event_payload: { kind: 'alert', rule_id: 'blocked', log_ids: [blocked.log_id] } } });
    // The object the sender would post (CONTRACT.md): it names the tenant, as the sender's message does.
    expect(JSON.stringify(message.blocks)).toContain('· tenant *acme.eu.auth0.com*');
    // no state database was created, no starting position stored; the summary went to the log (stdout is JSON only)
    expect(existsSync(join(dir, 'state'))).toBe(false);
    expect(capture.lines.join('\n')).toContain('dry run: 1 event read from 1 tenant; 1 alert and 0 thread replies would be posted');
  });

  /** A first cycle (no checkpoint) that reads three blocks of one user: an alert, then its repeats (one thread reply). */
  function firstCycleOfThreeBlocks(): ReturnType<typeof captureLogger> {
    validEnv({ START_FROM: '1h' });
    const capture = captureLogger();
    runDeps.logger = capture.logger;
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.parse('2024-05-01T13:00:00Z');
    vi.setSystemTime(now);
    const blocked = [1, 2, 3].map((seq) => logEvent(seq, { type: 'limit_wc', user_name: 'carol@example.com' }, new Date(now - 60_000 + seq)));
    mockToken();
    mockLogsPage(syntheticCheckpoint(new Date(now - 3_600_000)), blocked);
    mockLogsPage(blocked[2]!.log_id, []);
    return capture;
  }

  it('--once --dry-run: its log lines never claim a stored position or queued alerts, and count what would be queued', async () => {
    const capture = firstCycleOfThreeBlocks();

    const code = await main(['run', '--once', '--dry-run', '--json']);
    vi.useRealTimers();
    expect(code).toBe(0);
    expect(stdout).toHaveLength(2); // the alert and its thread reply, printed
    expect(existsSync(join(dir, 'state'))).toBe(false);

    const records = capture.records();
    const messages = records.map((r) => String(r.msg));
    expect(messages.filter((m) => /stored/.test(m) && !/not stored|nothing stored/.test(m))).toEqual([]);
    expect(messages).toContain('no checkpoint yet; starting position chosen (dry run: not stored)');
    expect(records.find((r) => r.msg === 'poll cycle done')).toMatchObject({
      dryRun: true,
      alertsQueued: 0,
      wouldQueue: 2,
    });
    expect(records.find((r) => String(r.msg).startsWith('dry run:'))).toMatchObject({ events: 3, alerts: 1, repeats: 1, alertsQueued: 0, wouldQueue: 2 });
  });

  it('control: --once (not dry) says the starting position was stored and counts the alerts queued', async () => {
    const capture = firstCycleOfThreeBlocks();
    nock('https://slack.com').persist().post(/\/api\/chat\.(postMessage|update)/).reply(200, { ok: true, ts: '1700000000.000001', channel: 'C0ALERTS' });

    const code = await main(['run', '--once']);
    vi.useRealTimers();
    expect(code).toBe(0);
    const records = capture.records();
    expect(records.map((r) => String(r.msg))).toContain('no checkpoint yet; starting position stored');
    const cycle = records.find((r) => r.msg === 'poll cycle done');
    expect(cycle).toMatchObject({ alertsQueued: 2 });
    expect(cycle).not.toHaveProperty('wouldQueue');
  });

  it('--once --dry-run in an empty folder leaves it empty and says what it read, even when nothing matched', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    validEnv({ START_FROM: '1h', STATE_DB: join(empty, 'data', 'state.db') });
    runDeps.logger = captureLogger().logger;
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.parse('2024-05-01T13:00:00Z');
    vi.setSystemTime(now);
    const login = logEvent(1, { type: 's' }, new Date(now - 60_000));
    mockToken();
    mockLogsPage(syntheticCheckpoint(new Date(now - 3_600_000)), [login]);
    mockLogsPage(login.log_id, []);

    const code = await main(['run', '--once', '--dry-run']);
    vi.useRealTimers();
    expect(code).toBe(0);
    expect(nock.pendingMocks()).toEqual([]);
    expect(readdirSync(empty)).toEqual([]);
    expect(stdout).toEqual(['dry run: 1 event read from 1 tenant; 0 alerts and 0 thread replies would be posted (no rule matched) — nothing posted, nothing stored']);
  });

  it('--once --dry-run reads an existing state but changes nothing in it', async () => {
    validEnv();
    runDeps.logger = captureLogger().logger;
    const checkpoint = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
    const db = openStateDb(join(dir, 'state', 'state.db'));
    commitPage(db, 'acme.eu.auth0.com', { checkpoint, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
    const before = readTenantState(db, 'acme.eu.auth0.com');
    db.close();
    const blocked = logEvent(1, { type: 'limit_wc' });
    mockToken();
    mockLogsPage(checkpoint, [blocked]);
    mockLogsPage(blocked.log_id, []);

    expect(await main(['run', '--once', '--dry-run'])).toBe(0);
    expect(stdout.at(-1)).toContain('1 alert and 0 thread replies would be posted');
    const after = openStateDb(join(dir, 'state', 'state.db'));
    expect(readTenantState(after, 'acme.eu.auth0.com')).toEqual(before);
    expect(after.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    after.close();
  });

  it('--once queues the alerts and advances the checkpoint', async () => {
    validEnv();
    runDeps.logger = captureLogger().logger;
    const checkpoint = seedCheckpoint();
    const blocked = logEvent(1, { type: 'limit_wc' });
    mockToken();
    mockLogsPage(checkpoint, [blocked, logEvent(2, { type: 's' })]);
    mockLogsPage(logEvent(2).log_id, []);
    const slack = nock('https://slack.com').post('/api/chat.postMessage').reply(200, { ok: true, ts: '1700000000.000001', channel: 'C0ALERTS' });

    expect(await main(['run', '--once'])).toBe(0);
    expect(slack.isDone()).toBe(true);

    const after = openStateDb(join(dir, 'state', 'state.db'));
    expect(readTenantState(after, 'acme.eu.auth0.com')).toMatchObject({ checkpoint: logEvent(2).log_id, lastPollOk: true });
    expect(after.prepare('SELECT channel, rule_id, status FROM outbox').all()).toEqual([{ channel: '#alerts', rule_id: 'blocked', status: 'sent' }]);
    after.close();
  });

  it('--once exits 1 when alerts stayed undelivered or failed, saying how many, where and why', async () => {
    validEnv();
    const capture = captureLogger();
    runDeps.logger = capture.logger;
    const checkpoint = seedCheckpoint();
    const blocked = logEvent(1, { type: 'limit_wc' });
    mockToken();
    mockLogsPage(checkpoint, [blocked]);
    mockLogsPage(blocked.log_id, []);
    // The alert's channel is gone (and with it the only channel for the notice about it: that goes to the log).
    const slack = nock('https://slack.com').post('/api/chat.postMessage').reply(200, { ok: false, error: 'channel_not_found' });

    expect(await main(['run', '--once'])).toBe(1);
    expect(slack.isDone()).toBe(true);
    const lines = capture.records().map((r) => String(r.msg));
    expect(lines).toContain(
      "#alerts: 0 alert(s) still pending, 1 failed — Slack chat.postMessage: channel #alerts not found — check ALERT_CHANNEL (or the rule's channel); use the channel ID (C…) or its exact #name",
    );
    expect(lines.some((line) => /^run --once: 0 alert\(s\) undelivered and 1 failed/.test(line))).toBe(true);
    expect(lines.some((line) => line.startsWith('no working Slack channel for the notice: alerts for #alerts are held'))).toBe(true);
  });

  it('stops with exit 2 and a clear message when Auth0 rejects the credentials, leaking nothing', async () => {
    validEnv();
    const capture = captureLogger();
    runDeps.logger = capture.logger;
    nock(AUTH0_BASE).post('/oauth/token').reply(401, { error: 'access_denied', error_description: `Unauthorized: ${CLIENT_SECRET}` });
    nock(AUTH0_BASE).get('/api/v2/logs').query(true).reply(200, []);

    expect(await main(['run', '--once'])).toBe(2);

    const output = stderr.join('') + capture.lines.join('\n');
    expect(stderr.join('')).toContain('Auth0 rejected the client credentials');
    expect(output).not.toContain(CLIENT_SECRET);
    expect(output).not.toContain(ACCESS_TOKEN);
  });
});
