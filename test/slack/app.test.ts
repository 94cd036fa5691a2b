import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import type { Catalog } from '../../src/catalog/types.js';
import { ConfigError, SlackApiError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { slackAppMode } from '../../src/slack/app-options.js';
import { publicHealth, type HealthReport } from '../../src/slack/health.js';
import type { LogcodeReply } from '../../src/slack/logcode.js';
import { formatAlert } from '../../src/slack/format.js';
import { FIXED_NOW, SAMPLE_RULES, SAMPLE_STATUS, replyText } from '../helpers/bolt-fixtures.js';
import { postSigned, slashCommandBody } from '../helpers/bolt-signed.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';

const SIGNING_SECRET = 'test-signing-secret';
const BOT_TOKEN = 'xoxb-test-bot-token';
// A stand-in host proves SLACK_API_URL reaches Bolt's client.
const API_HOST = 'https://slack.stand-in.test';
const API_URL = `${API_HOST}/api/`;

const OK_HEALTH: HealthReport = { status: 'ok', lastSuccessAt: FIXED_NOW.toISOString(), ageSeconds: 5, maxAgeSeconds: 240 };
const DEGRADED_HEALTH: HealthReport = {
  status: 'degraded',
  reason: 'last successful poll was 12m ago',
  lastSuccessAt: FIXED_NOW.toISOString(),
  ageSeconds: 720,
  maxAgeSeconds: 240,
};

/** The action ids of a real alert message's buttons, so the handler and the formatter cannot drift apart. */
function linkButtonActionIds(): { actionId: string }[] {
  const message = formatAlert(makeAlert({ runbook: 'https://wiki.example.com/runbook' }), {
    catalog: fakeCatalog(),
    defaultChannel: '#alerts',
    dashboard: { region: 'eu', tenant: 'acme' },
  });
  const actions = message.blocks.find((block) => (block as { type: string }).type === 'actions') as { elements: { action_id: string }[] };
  // View in Auth0 (log), View user, What is pwd_leak?, Runbook
  expect(actions.elements).toHaveLength(4);
  return actions.elements.map((element) => ({ actionId: element.action_id }));
}

/** An interactivity request as Slack posts it: a form with one `payload` field holding JSON. */
function blockActionsBody(actionId: string): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0001', domain: 'example' },
    user: { id: 'U0001', username: 'oncall', team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1704067200.000100', channel_id: 'C0001', is_ephemeral: false },
    trigger_id: '1.2.3',
    channel: { id: 'C0001', name: 'security' },
    message: { type: 'message', ts: '1704067200.000100', text: 'alert' },
    response_url: 'https://hooks.slack.com/actions/T0001/1/abc',
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'b1',
        text: { type: 'plain_text', text: 'Open', emoji: true },
        url: 'https://example.com/',
        action_ts: '1704067260.000200',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function authTest(reply: object = { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001' }) {
  return nock(API_HOST).post('/api/auth.test').reply(200, reply);
}

describe('Slack app in HTTP mode', () => {
  const catalog = loadCatalog();
  let lookups = 0;
  const countingCatalog: Catalog = { ...catalog, get: (query) => (lookups++, catalog.get(query)) };
  let health: HealthReport = OK_HEALTH;
  let app: SlackAppHandle;
  let port: number;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const auth = authTest();
    app = createSlackApp({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      apiUrl: API_URL,
      port: 0,
      host: '127.0.0.1',
      logcode: { catalog: countingCatalog, rules: () => SAMPLE_RULES, status: () => SAMPLE_STATUS, defaultChannel: '#alerts', now: () => FIXED_NOW },
      health: () => health,
      logger: silentLogger(),
    })!;
    expect(app.mode).toBe('http');
    port = (await app.start()).port!;
    // The bot token is verified once at start, against SLACK_API_URL.
    expect(auth.isDone()).toBe(true);
  });

  afterAll(async () => {
    await app?.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  beforeEach(() => {
    lookups = 0;
    health = OK_HEALTH;
  });

  async function command(text: string): Promise<LogcodeReply> {
    const response = await postSigned(port, slashCommandBody(text), { signingSecret: SIGNING_SECRET });
    expect(response.status).toBe(200);
    const reply = response.json as LogcodeReply;
    expect(reply.response_type).toBe('ephemeral');
    return reply;
  }

  it.each([
    // code: the catalog entry and the rules watching it
    { text: 'pwd_leak', expect: ['`pwd_leak` — ', 'Watched by 1 enabled rule', '`breached-password`'] },
    // words: ranked list
    { text: 'breached password', expect: ['*Codes matching* `breached password`', '• `pwd_leak`'] },
    // typo
    { text: 'pwdleak', expect: ['Did you mean `pwd_leak`'] },
    // usage, with and without "help"
    { text: '', expect: ['/logcode rules', '/logcode status'] },
    { text: 'help', expect: ['/logcode rules', '/logcode status'] },
    // rules and status
    { text: 'rules', expect: ['3 enabled rules', '`failed-login-burst`', '`gd_*`'] },
    { text: 'status', expect: ['*Last poll:* 30s ago', '*Outbox:* 3 pending, 1 failed'] },
    // input echoed escaped
    { text: 'zzqx <!channel>', expect: ['`zzqx &lt;!channel&gt;`'] },
  ])('answers /logcode $text ephemerally through the signed endpoint', async ({ text, expect: parts }) => {
    const reply = await command(text);
    const shown = replyText(reply);
    for (const part of parts) expect(shown).toContain(part);
    expect(shown).not.toContain('<!channel>');
  });

  it.each([
    // signed with another secret
    { name: 'a bad signature', options: { signingSecret: 'not-the-secret' } },
    // no signature header at all
    { name: 'a missing signature', options: { signingSecret: SIGNING_SECRET, signature: null } },
    // signed, but without the timestamp header the signature cannot match
    { name: 'a missing timestamp', options: { signingSecret: SIGNING_SECRET, timestampSec: null } },
    // an unknown signature version
    { name: 'an unknown signature version', options: { signingSecret: SIGNING_SECRET, signature: 'v1=00' } },
    // correctly signed, but 5 minutes and 1 second old: a replay
    { name: 'a stale timestamp', options: { signingSecret: SIGNING_SECRET, timestampSec: Math.floor(Date.now() / 1000) - 301 } },
  ])('rejects $name with 401 before running the command', async ({ options }) => {
    const response = await postSigned(port, slashCommandBody('pwd_leak'), options);
    expect(response.status).toBe(401);
    expect(lookups).toBe(0);
  });

  it('accepts a correctly signed request at the edge of the window', async () => {
    const response = await postSigned(port, slashCommandBody('pwd_leak'), {
      signingSecret: SIGNING_SECRET,
      timestampSec: Math.floor(Date.now() / 1000) - 240,
    });
    expect(response.status).toBe(200);
    expect(lookups).toBe(1);
  });

  it.each(linkButtonActionIds())('acks a click on the alert\'s $actionId button (block_actions) with an empty 200', async ({ actionId }) => {
    // Without a listener Bolt never acks: Slack would show the clicker a warning and the receiver answers 404.
    const response = await postSigned(port, blockActionsBody(actionId), { signingSecret: SIGNING_SECRET });
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it('rejects an unsigned button click with 401', async () => {
    const response = await postSigned(port, blockActionsBody('open_runbook'), { signingSecret: 'not-the-secret' });
    expect(response.status).toBe(401);
  });

  it.each([
    { report: OK_HEALTH, status: 200 },
    { report: DEGRADED_HEALTH, status: 503 },
  ])('GET /healthz answers $status for a $report.status report', async ({ report, status }) => {
    health = report;
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(status);
    // The public body: ok / degraded and a generic reason, nothing of the detailed report.
    expect(await response.json()).toEqual(publicHealth(report));
  });

  it('answers 503 when the health report itself fails', async () => {
    // A report that cannot be read (state unavailable) must not look healthy.
    health = undefined as unknown as HealthReport;
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(503);
  });
});

describe('createSlackApp configuration', () => {
  const base = {
    botToken: BOT_TOKEN,
    apiUrl: API_URL,
    port: 0,
    host: '127.0.0.1',
    logcode: { catalog: loadCatalog(), rules: () => SAMPLE_RULES },
    health: () => OK_HEALTH,
    logger: silentLogger(),
  };

  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it.each([
    // the app token wins: Socket Mode needs no public URL
    { appToken: 'xapp-1-A-1-abc', signingSecret: 'secret', mode: 'socket' },
    { appToken: 'xapp-1-A-1-abc', signingSecret: undefined, mode: 'socket' },
    { appToken: undefined, signingSecret: 'secret', mode: 'http' },
    // neither: the caller runs without the slash command
    { appToken: undefined, signingSecret: undefined, mode: undefined },
    { appToken: '', signingSecret: '', mode: undefined },
  ])('chooses $mode for app token $appToken and secret $signingSecret', ({ appToken, signingSecret, mode }) => {
    expect(slackAppMode({ appToken, signingSecret })).toBe(mode);
    const app = createSlackApp({ ...base, appToken, signingSecret });
    expect(app?.mode).toBe(mode);
  });

  it('lists every configuration problem at once', () => {
    let error: unknown;
    try {
      createSlackApp({ ...base, botToken: '', appToken: 'xoxb-wrong-kind', port: 70000, healthPort: -1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).not.toContain('xoxb-wrong-kind');
  });

  it('says PORT is in use as a configuration error', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    authTest();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const app = createSlackApp({ ...base, signingSecret: 'secret', port: taken })!;
    const error = await app.start().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([`PORT ${taken} is already in use by another process`]);
    await app.stop();
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it('fails start with an actionable SlackApiError, without the token, when Slack rejects the bot token', async () => {
    nock.disableNetConnect();
    authTest({ ok: false, error: 'invalid_auth' });
    const app = createSlackApp({ ...base, signingSecret: 'secret' })!;
    const error = await app.start().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(SlackApiError);
    expect((error as SlackApiError).details).toMatchObject({ method: 'auth.test', apiError: 'invalid_auth', reason: 'auth', retryable: false });
    expect((error as Error).message).toContain('SLACK_BOT_TOKEN');
    expect((error as Error).message).not.toContain(BOT_TOKEN);
    await app.stop();
  });
});
