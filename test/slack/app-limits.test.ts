import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import type { Catalog } from '../../src/catalog/types.js';
import { BODY_LIMITS } from '../../src/http/body-limit.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';
import { FIXED_NOW, SAMPLE_RULES, SAMPLE_STATUS } from '../helpers/bolt-fixtures.js';
import { postSigned, slashCommandBody } from '../helpers/bolt-signed.js';
import { upload } from '../helpers/http-upload.js';

/**
 * Issue 11, points 5 and 7, on the real HTTP-mode app: every POST is held to
 * 64 KiB before Bolt reads it, and to Slack's 5-minute timestamp window in both
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

  it('a correctly signed body over 64 KiB is refused before Bolt sees it', async () => {
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
