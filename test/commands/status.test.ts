import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { TOKEN_PAUSED_NOTE } from '../../src/slack/sender-token.js';
import { captureCliOutput, type CliOutput } from '../helpers/engine-cli-output.js';
import { tempStateDb } from '../helpers/temp-db.js';

let output: CliOutput;
let state: ReturnType<typeof tempStateDb>;

beforeEach(() => {
  state = tempStateDb();
  output = captureCliOutput();
  vi.stubEnv('STATE_DB', state.path);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  state.cleanup();
  process.exitCode = 0;
});

async function seed(): Promise<void> {
  const { db, store } = state;
  db.prepare(
    `INSERT INTO tenant_state (tenant, checkpoint, checkpoint_date, last_poll_at, last_poll_ok, last_poll_error, last_success_at)
     VALUES ('acme', '900abc', ?, ?, 0, 'Auth0 GET /api/v2/logs: HTTP 503; will retry', ?)`,
  ).run(new Date(Date.now() - 300_000).toISOString(), new Date().toISOString(), new Date(Date.now() - 600_000).toISOString());
  await store.enqueueAlerts('acme', [makeAlert(), makeAlert(), makeAlert()], '#alerts');
  await store.enqueueAlerts('acme', [makeAlert()], '#gone');
  const gone = db.prepare(`SELECT id FROM outbox WHERE channel = '#gone'`).all() as { id: number }[];
  await store.markFailed(gone.map((row) => row.id), 'Slack chat.postMessage: channel #gone not found — check ALERT_CHANNEL');
}

describe('status', () => {
  it('reports checkpoint age, last poll outcome and outbox counts per channel as JSON', async () => {
    await seed();
    // A failed alert needs attention: exit 1 (cron and monitoring read the code).
    expect(await main(['status', '--json'])).toBe(1);
    const report = JSON.parse(output.stdout);
    expect(report.tenants).toEqual([
      expect.objectContaining({ tenant: 'acme', checkpoint: '900abc', lastPollOutcome: 'failed', lastPollError: expect.stringContaining('503') }),
    ]);
    expect(report.tenants[0].checkpointAgeSeconds).toBeGreaterThanOrEqual(299);
    expect(report.healthy).toBe(false);
    expect(report.outbox).toEqual([
      expect.objectContaining({ channel: '#alerts', pending: 3, failed: 0, sent: 0 }),
      expect.objectContaining({ channel: '#gone', pending: 0, failed: 1, lastError: expect.stringContaining('ALERT_CHANNEL') }),
    ]);
    expect(output.stderr).toBe('');
  });

  it('prints a readable summary', async () => {
    await seed();
    expect(await main(['status'])).toBe(1);
    expect(output.stdout).toContain('Tenant acme');
    expect(output.stdout).toMatch(/checkpoint\s+900abc — event of .*, 5m ago/);
    expect(output.stdout).toMatch(/last poll\s+failed at/);
    expect(output.stdout).toContain('#alerts: 3 pending, 0 failed, 0 sent');
    expect(output.stdout).toContain('#gone: 0 pending, 1 failed');
    expect(output.stdout).toContain('last error: Slack chat.postMessage: channel #gone not found');
  });

  it('lists the active mutes set from Slack, with what they hold so far', async () => {
    await seed();
    const alert = makeAlert({ incident: 'muted-one', group: { ip: '203.0.113.7' } });
    await state.store.enqueueAlerts('acme', [alert], '#alerts');
    await state.store.recordIncidentAction({ action: 'mute', incident: 'muted-one', scope: 'group', durationMs: 3_600_000, user: 'U0JANE', at: new Date(), channel: 'C1', messageTs: '1.1' });
    await main(['status', '--json']);
    expect(JSON.parse(output.stdout).mutes).toEqual([
      expect.objectContaining({ id: 1, tenant: 'acme', ruleId: alert.ruleId, group: { ip: '203.0.113.7' }, createdBy: 'U0JANE', held: 0 }),
    ]);
    const before = output.stdout.length;
    await main(['status']);
    expect(output.stdout.slice(before)).toMatch(/Mutes\n  1: breached-password \(ip=203\.0\.113\.7\), tenant acme, by U0JANE until .*, 0 held/);
  });

  it('shows a muted group value from a log event as one inert line: no escape sequence, line break or bidi control reaches the terminal', async () => {
    // A user name is attacker-chosen (a failed login with any name): muted by group, it is printed by status.
    const evil = 'mallory\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u001b[2J\u009b31m\nAll is well\u202Egnp.exe';
    const alert = makeAlert({ incident: 'muted-evil', group: { user_name: evil } });
    await state.store.enqueueAlerts('acme', [alert], '#alerts');
    await state.store.recordIncidentAction({ action: 'mute', incident: 'muted-evil', scope: 'group', durationMs: 3_600_000, user: 'U0JANE', at: new Date(), channel: 'C1', messageTs: '1.1' });
    await main(['status']);
    const mutes = output.stdout.slice(output.stdout.indexOf('Mutes\n'));
    expect(mutes).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(mutes.split('\n')[1]).toMatch(/^  1: breached-password \(user_name=mallory.*click.*gnp\.exe\), tenant acme, by U0JANE until .*, 0 held$/);
    expect(mutes.split('\n')[2]).toBe('');
  });

  it('shows why pending alerts are stuck (a rejected token keeps them pending, not failed)', async () => {
    await seed();
    await state.store.notePendingError('the bot token was rejected (invalid_auth) — check SLACK_BOT_TOKEN');
    expect(await main(['status'])).toBe(1);
    expect(output.stdout).toContain('#alerts: 3 pending, 0 failed');
    expect(output.stdout).toContain('pending, last error: the bot token was rejected (invalid_auth)');
  });

  it('exits 1 as soon as Slack rejected the bot token (nothing can be posted), not only once the backlog is old; a transient error does not', async () => {
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    await state.store.notePendingError('Slack chat.postMessage: HTTP 503; will retry');
    expect(await main(['status'])).toBe(0);
    expect(output.stdout).toContain('All is well');
    await state.store.notePendingError(`Slack chat.postMessage: the bot token was rejected (invalid_auth) — check SLACK_BOT_TOKEN ${TOKEN_PAUSED_NOTE}`);
    const from = output.stdout.length;
    expect(await main(['status'])).toBe(1);
    expect(output.stdout.slice(from)).toMatch(/Needs attention \(exit 1\)\n  - #alerts: 1 alert\(s\) pending and none can be posted — .*bot token was rejected/);
    expect(output.stdout.slice(from)).not.toContain('All is well');
  });

  it('a dead channel needs attention once: its open problem, not also its failed count in other words', async () => {
    await seed(); // #gone: 1 failed, channel not found
    await state.store.openProblem({ key: 'dead_channel:#gone', kind: 'dead_channel', tenant: null, summary: 'alerts for #gone are held (1 so far): Slack chat.postMessage: channel #gone not found' }, new Date());
    expect(await main(['status', '--json'])).toBe(1);
    const attention = JSON.parse(output.stdout).attention as string[];
    expect(attention.filter((reason) => reason.includes('#gone'))).toEqual(['dead_channel: alerts for #gone are held (1 so far): Slack chat.postMessage: channel #gone not found']);
  });

  it('exits 0 when all is well, 1 for dead alerts and for each open problem it shows (the ones the notices tell)', async () => {
    await state.store.recordPollOutcome('acme', { ok: true });
    await state.store.enqueueAlerts('acme', [makeAlert()], '#alerts');
    expect(await main(['status'])).toBe(0);
    expect(output.stdout).toMatch(/Problems\n  none/);

    await state.store.openProblem({ key: 'polling_failing:acme', kind: 'polling_failing', tenant: 'acme', summary: 'polling tenant acme has failed for 12 min (Auth0 rejected the credentials): …' }, new Date());
    const before = output.stdout.length;
    expect(await main(['status'])).toBe(1);
    expect(output.stdout.slice(before)).toMatch(/polling_failing since .*: polling tenant acme has failed for 12 min \(Auth0 rejected the credentials\)/);
    await state.store.resolveProblem('polling_failing:acme', new Date());

    const [row] = (await state.store.pendingRows('#alerts', 1)).rows;
    await state.store.markFailed([row!.id], 'invalid_blocks');
    await state.store.requeueFailed({ deadAfterAttempts: 1, deadBefore: new Date(0) });
    const jsonFrom = output.stdout.length;
    expect(await main(['status', '--json'])).toBe(1);
    expect(JSON.parse(output.stdout.slice(jsonFrom)).outbox[0]).toMatchObject({ channel: '#alerts', dead: 1, failed: 0, lastError: 'invalid_blocks' });
  });

  it('exits 2 with a sentence naming STATE_DB when the file is not a state database', async () => {
    const { writeFileSync } = await import('node:fs');
    const notADb = `${state.path}.txt`;
    writeFileSync(notADb, 'this is not SQLite, just some text long enough to fill a header page……………………');
    vi.stubEnv('STATE_DB', notADb);
    expect(await main(['status', '--json'])).toBe(2);
    expect(output.stdout).toBe('');
    expect(output.stderr).toMatch(/state database .* is not a valid SQLite database/);
  });

  it('says so and exits 1 when there is no state database, without creating one', async () => {
    vi.stubEnv('STATE_DB', `${state.path}.missing`);
    expect(await main(['status'])).toBe(1);
    expect(output.stdout).toBe('');
    expect(output.stderr).toMatch(/no state database at .*the bot has not run yet/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${state.path}.missing`)).toBe(false);
  });

  it('with --json and no state database, still prints one JSON object saying why, and exits 1', async () => {
    vi.stubEnv('STATE_DB', `${state.path}.missing`);
    expect(await main(['status', '--json'])).toBe(1);
    const lines = output.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    expect(report).toEqual({
      stateDb: `${state.path}.missing`,
      replicas: [],
      tenants: [],
      outbox: [],
      problems: [],
      mutes: [],
      attention: [expect.stringMatching(/^no state database at .*\.missing — the bot has not run yet/)],
      healthy: false,
      reason: expect.stringMatching(/^no state database at .*\.missing — the bot has not run yet/),
    });
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${state.path}.missing`)).toBe(false);
  });
});

describe('status: log stream', () => {
  it('shows when the tenant\'s log stream last delivered, as text and JSON', async () => {
    const at = new Date(Date.now() - 180_000);
    await state.store.commitStreamBatch('acme', { ruleStateVersion: 0, ruleState: {}, alerts: [], logIds: ['900x'], defaultChannel: '#alerts', now: at });
    expect(await main(['status'])).toBe(0);
    expect(output.stdout).toMatch(new RegExp(`log stream\\s+last delivery ${at.toISOString()}, 3m ago`));
    expect(await main(['status', '--json'])).toBe(0);
    const report = JSON.parse(output.stdout.split('\n').filter(Boolean).at(-1)!);
    expect(report.tenants[0]).toMatchObject({ tenant: 'acme', lastStreamAt: at.toISOString(), lastStreamAgeSeconds: expect.any(Number) });
    expect(report.tenants[0].lastStreamAgeSeconds).toBeGreaterThanOrEqual(179);
  });
});

describe('status: a silent log stream', () => {
  it('says so when the poller keeps finding events the stream did not deliver', async () => {
    const longAgo = new Date(Date.now() - 40 * 60_000);
    await state.store.commitStreamBatch('acme', { ruleStateVersion: 0, ruleState: {}, alerts: [], logIds: ['900a'], defaultChannel: '#alerts', now: longAgo });
    await state.store.commitPage('acme', { after: null, checkpoint: '900c', checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts', ruleStateVersion: 1, logIds: ['900b'] });
    expect(await main(['status'])).toBe(0);
    expect(output.stdout).toMatch(/log stream\s+SILENT: the log stream has delivered nothing for 40 min while polling still finds new events/);
  });

  it('judges as the running bot does: from the start of the replica polling the tenant, with STREAM_SILENT_AFTER', async () => {
    const longAgo = new Date(Date.now() - 40 * 60_000);
    await state.store.commitStreamBatch('acme', { ruleStateVersion: 0, ruleState: {}, alerts: [], logIds: ['900a'], defaultChannel: '#alerts', now: longAgo });
    await state.store.commitPage('acme', { after: null, checkpoint: '900c', checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts', ruleStateVersion: 1, logIds: ['900b'] });
    // A replica that started 10 minutes ago polls the tenant: the stream is within the grace of its start.
    await state.store.heartbeatReplica({ id: 'r1', host: 'h', pid: 1 }, 600_000);
    expect(await state.store.acquireTenantLease('acme', 'r1', 600_000)).toMatchObject({ held: true });
    state.db.prepare('UPDATE replicas SET started_at = ?').run(Date.now() - 10 * 60_000);
    const silentNow = async () => {
      expect(await main(['status', '--json'])).toBe(0);
      return JSON.parse(output.stdout.trim().split('\n').at(-1)!).tenants[0].streamSilent as string | null;
    };
    expect(await silentNow()).toBeNull();
    vi.stubEnv('STREAM_SILENT_AFTER', '5m');
    expect(await silentNow()).toMatch(/delivered nothing for 40 min/);
  });

  it('stays quiet about streams for a tenant that never had one, unless LOG_STREAM_TOKEN says there should be one', async () => {
    await state.store.commitPage('acme', { after: null, checkpoint: '900c', checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts', logIds: ['900b'] });
    expect(await main(['status', '--json'])).toBe(0);
    expect(JSON.parse(output.stdout.trim().split('\n').at(-1)!).tenants[0].streamSilent).toBeNull();
    vi.stubEnv('LOG_STREAM_TOKEN', 'configured-token');
    expect(await main(['status', '--json'])).toBe(0);
    expect(JSON.parse(output.stdout.trim().split('\n').at(-1)!).tenants[0].streamSilent).toMatch(/never delivered/);
  });
});

// A dead bot writes no problem row: status must see it stuck from the state alone
// (the last success only grows older, pending alerts stay pending).
describe('status: a stuck bot, with no problem row written', () => {
  const MINUTE = 60_000;
  const ago = (ms: number) => new Date(Date.now() - ms);

  it('exits 1 when the last successful poll is older than NOTICE_POLL_FAILING_AFTER, 0 while it is younger', async () => {
    await state.store.recordPollOutcome('acme', { ok: true, at: ago(11 * MINUTE) });
    expect(await state.store.listProblems({ includeResolved: true })).toEqual([]);
    expect(await main(['status', '--json'])).toBe(1);
    const report = JSON.parse(output.stdout);
    expect(report).toMatchObject({ healthy: false, thresholds: { pollStaleAfterSeconds: 600, backlogAfterSeconds: 900 } });
    expect(report.attention).toEqual([expect.stringMatching(/^tenant acme: no successful poll for 11 min \(more than 10 min\) — is the bot running/)]);

    const textFrom = output.stdout.length;
    expect(await main(['status'])).toBe(1);
    expect(output.stdout.slice(textFrom)).toMatch(/Needs attention \(exit 1\)\n  - tenant acme: no successful poll for 11 min/);

    await state.store.recordPollOutcome('acme', { ok: true, at: ago(9 * MINUTE) });
    const okFrom = output.stdout.length;
    expect(await main(['status'])).toBe(0);
    expect(output.stdout.slice(okFrom)).toContain('All is well');
  });

  it('judges staleness by the schedule when it is slower: three POLL_SCHEDULE periods and a minute', async () => {
    vi.stubEnv('POLL_SCHEDULE', '0 * * * *'); // hourly (a cron-driven run --once)
    await state.store.recordPollOutcome('acme', { ok: true, at: ago(2 * 60 * MINUTE) });
    expect(await main(['status'])).toBe(0);
    await state.store.recordPollOutcome('acme', { ok: true, at: ago(3 * 60 * MINUTE + 2 * MINUTE) });
    expect(await main(['status'])).toBe(1);
    vi.stubEnv('NOTICE_POLL_FAILING_AFTER', '4h');
    expect(await main(['status'])).toBe(0);
  });

  it('exits 1 for a tenant that never polled successfully and whose last attempt is stale', async () => {
    await state.store.recordPollOutcome('acme', { ok: false, error: 'Auth0 does not answer', at: ago(30 * MINUTE) });
    expect(await main(['status', '--json'])).toBe(1);
    expect(JSON.parse(output.stdout).attention).toEqual([expect.stringMatching(/^tenant acme: no successful poll ever, the last attempt 30 min ago/)]);
  });

  it('exits 1 when alerts have been pending longer than NOTICE_BACKLOG_AFTER, 0 while they are younger', async () => {
    await state.store.recordPollOutcome('acme', { ok: true });
    await state.store.enqueueAlerts('acme', [makeAlert(), makeAlert()], '#alerts');
    const setAge = (ms: number) => state.db.prepare('UPDATE outbox SET created_at = ?').run(ago(ms).toISOString());
    setAge(14 * MINUTE);
    expect(await main(['status'])).toBe(0);
    setAge(16 * MINUTE);
    expect(await main(['status', '--json'])).toBe(1);
    const report = JSON.parse(output.stdout.trim().split('\n').at(-1)!);
    expect(report.problems).toEqual([]);
    expect(report.attention).toEqual([expect.stringMatching(/^#alerts: 2 alert\(s\) pending, the oldest for 16 min \(more than 15 min\)/)]);
    vi.stubEnv('NOTICE_BACKLOG_AFTER', '1h');
    expect(await main(['status'])).toBe(0);
  });

  it('exits 2 for a NOTICE_* value that is not a duration, naming it', async () => {
    vi.stubEnv('NOTICE_BACKLOG_AFTER', 'soon');
    expect(await main(['status', '--json'])).toBe(2);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain('NOTICE_BACKLOG_AFTER "soon" is not a duration');
  });
});
