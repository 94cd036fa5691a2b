import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import type { Catalog } from '../../src/catalog/types.js';
import { BODY_LIMITS } from '../../src/http/body-limit.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';
import { FIXED_NOW, SAMPLE_RULES, SAMPLE_STATUS } from '../helpers/bolt-fixtures.js';
import { blockActionsBody, postSigned, slashCommandBody } from '../helpers/bolt-signed.js';
import { formatAlert } from '../../src/slack/format.js';
import { makeAlert } from '../helpers/slack-fixtures.js';
import { ACTION_IDS, incidentBlockId } from '../../src/slack/actions/ids.js';
import { upload } from '../helpers/http-upload.js';

/**
 * Issue 11, points 5 and 7, on the real HTTP-mode app: every POST is held to
 * BODY_LIMITS.slackEvents (1 MiB) before Bolt reads it, and to Slack's 5-minute timestamp window in both
 * directions. Slack documents the window: "more than five minutes from local
 * time" is a replay (https://docs.slack.dev/authentication/verifying-requests-from-slack).
 */
const SIGNING_SECRET = 'test-signing-secret';
const API_HOST = 'https://slack.stand-in.test';
const SLACK_REPLAY_WINDOW_S = 5 * 60;

describe('Slack app in HTTP mode: request limits', () => {
  const catalog = loadCatalog();
  let lookups = 0;
  const countingCatalog: Catalog = { ...catalog, get: (query) => (lookups++, catalog.get(query)) };
  const capture = captureLogger();
  let app: SlackAppHandle;
  let port: number;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock(API_HOST).post('/api/auth.test').reply(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001' });
    app = createSlackApp({
      botToken: 'xoxb-test-bot-token',
      signingSecret: SIGNING_SECRET,
      apiUrl: `${API_HOST}/api/`,
      port: 0,
      host: '127.0.0.1',
      logcode: { catalog: countingCatalog, rules: () => SAMPLE_RULES, status: () => SAMPLE_STATUS, defaultChannel: '#alerts', now: () => FIXED_NOW },
      health: () => ({ status: 'ok', lastSuccessAt: FIXED_NOW.toISOString(), ageSeconds: 1, maxAgeSeconds: 240 }),
      logger: capture.logger,
    })!;
    port = (await app.start()).port!;
  });
  afterAll(async () => {
    await app?.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    lookups = 0;
  });

  it('a 50 MB unsigned POST gets 413 (it got 401 after being read in full), and the app keeps answering', async () => {
    const result = await upload(port, 50 * 1024 * 1024, true);
    expect(result.status).toBe(413);
    const chunked = await upload(port, 50 * 1024 * 1024, false);
    expect(chunked.status).toBe(413);
    expect(capture.records().filter((line) => line.status === 413)).toHaveLength(2);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await postSigned(port, slashCommandBody('pwd_leak'), { signingSecret: SIGNING_SECRET })).status).toBe(200);
  });

  it('the click on the largest message the bot builds fits the limit: Slack sends the whole clicked message back', () => {
    // Every value at its longest (log values are cut to 1,000 characters) and made of the characters that
    // grow most: `*` becomes three characters when escaped, a CJK character nine bytes once URL-encoded.
    for (const char of ['*', '中']) {
      const big = (tag: string) => `${char.repeat(995)}${tag}`;
      const top = Array.from({ length: 10 }, (_, i) => ({ value: big(`t${i}`), count: 3 }));
      const last = { date: '2024-01-01T00:00:00.000Z', user: big('u'), ip: big('i'), place: big('p'), application: big('a'), userAgent: big('g') };
      const steps = Array.from({ length: 8 }, (_, i) => ({ name: big(`s${i}`), count: 5, distinct: { field: big('f'), count: 3 }, firstDate: last.date, lastDate: last.date, users: top, ips: top, ...(i % 2 ? { last } : {}) }));
      const event = { log_id: '900big', date: last.date, type: 'pwd_leak', user_name: big('n'), user_id: big('i'), ip: big('p'), description: big('d'), client_name: big('c'), connection: big('x'), user_agent: big('a'), hostname: big('h'), location_info: { city_name: big('y'), country_name: big('z') } };
      const alerts = [
        makeAlert({ title: big('t'), ruleDescription: big('r'), runbook: big('b'), group: { user_name: big('g'), ip: big('i'), client_name: big('c') }, event, top: { users: top, ips: top, values: top } }),
        makeAlert({ title: big('t'), ruleDescription: big('r'), group: { user_name: big('g') }, event, reason: 'sequence_completed', sequence: { within: big('w'), steps } }),
      ];
      for (const alert of alerts) {
        const message = formatAlert(alert, { catalog, defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' }, tenant: 'acme', actions: true });
        const body = blockActionsBody({ type: 'button', action_id: ACTION_IDS.acknowledge, block_id: incidentBlockId(alert.incident)! }, { message: { text: message.text, blocks: message.blocks } });
        expect(Buffer.byteLength(body)).toBeLessThan(BODY_LIMITS.slackEvents);
      }
    }
  });

  it('a correctly signed body over the limit is refused before Bolt sees it', async () => {
    const body = slashCommandBody('pwd_leak', { filler: 'x'.repeat(BODY_LIMITS.slackEvents) });
    const response = await postSigned(port, body, { signingSecret: SIGNING_SECRET });
    expect(response.status).toBe(413);
    expect(lookups).toBe(0);
  });

  it.each([
    ['10 minutes in the future', 10 * 60, 401],
    ['just past the window, in the future', SLACK_REPLAY_WINDOW_S + 5, 401],
    ['10 minutes old', -10 * 60, 401],
    ['4 minutes in the future (clock skew within the window)', 4 * 60, 200],
    ['4 minutes old', -4 * 60, 200],
  ])('a signed request with a timestamp %s → %i', async (_what, offsetSeconds, status) => {
    const timestampSec = Math.floor(Date.now() / 1000) + offsetSeconds;
    const response = await postSigned(port, slashCommandBody('pwd_leak'), { signingSecret: SIGNING_SECRET, timestampSec });
    expect(response.status).toBe(status);
    expect(lookups > 0).toBe(status === 200);
  });
});
