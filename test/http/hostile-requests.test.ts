import { Writable } from 'node:stream';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { createLogStreamHandler } from '../../src/intake/stream-handler.js';
import { TenantIntake } from '../../src/intake/tenant-intake.js';
import { createLogger } from '../../src/log.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { forgetSecrets, registerSecrets } from '../../src/secrets.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import { logEvent } from '../helpers/auth0-fixtures.js';
import { FIXED_NOW, SAMPLE_RULES, SAMPLE_STATUS } from '../helpers/bolt-fixtures.js';
import { postSigned, slackSignature, slashCommandBody } from '../helpers/bolt-signed.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

/**
 * Hostile requests to the bot's one HTTP server as production wires it (HTTP-mode
 * Slack, the log stream, /metrics and the detailed /healthz on one port), logging
 * through the real logger: credentials count only where they belong (the
 * Authorization header, Slack's signature over timestamp and body), and a token
 * sent in the wrong place is neither accepted nor written to the logs.
 */
const SIGNING_SECRET = 'hostile-signing-secret-5be1';
const STREAM_TOKEN = 'stream-token-hostile-9c4e2a77';
const METRICS_TOKEN = 'metrics-token-hostile-31d0f6';
const API_HOST = 'https://slack.stand-in.test';

describe('hostile HTTP requests', () => {
  const lines: string[] = [];
  let temp: TempState;
  let app: SlackAppHandle;
  let port: number;
  let ruleReads = 0;

  beforeAll(async () => {
    // As loadConfig does: from here on the tokens are scrubbed from every log line.
    registerSecrets(SIGNING_SECRET, STREAM_TOKEN, METRICS_TOKEN);
    const logger = createLogger('trace', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    temp = tempStateDb();
    const intake = new TenantIntake({ tenant: 'acme', store: new TenantCheckpointStore(temp.store, 'acme', '#alerts'), evaluator: alertOnFailedLogins(), logger });
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock(API_HOST).post('/api/auth.test').reply(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001' });
    app = createSlackApp({
      botToken: 'xoxb-hostile-bot-token',
      signingSecret: SIGNING_SECRET,
      apiUrl: `${API_HOST}/api/`,
      port: 0,
      host: '127.0.0.1',
      logcode: { catalog: loadCatalog(), rules: () => (ruleReads++, SAMPLE_RULES), status: () => SAMPLE_STATUS, defaultChannel: '#alerts', now: () => FIXED_NOW },
      health: () => ({ status: 'ok', lastSuccessAt: FIXED_NOW.toISOString(), ageSeconds: 1, maxAgeSeconds: 240 }),
      routes: {
        logStream: createLogStreamHandler({ tenants: [{ key: 'acme', logStreamToken: STREAM_TOKEN }], intakeFor: () => intake, logger }),
        metrics: { token: METRICS_TOKEN, render: async () => ({ contentType: 'text/plain', body: 'secret_metric 1\n' }) },
        healthDetail: { token: METRICS_TOKEN, read: async () => ({ detail: 'per-tenant' }) },
      },
      logger,
    })!;
    port = (await app.start()).port!;
  });
  afterAll(async () => {
    await app?.stop();
    temp?.cleanup();
    forgetSecrets();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    ruleReads = 0;
  });

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const stored = () => (temp.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  const batch = JSON.stringify([{ log_id: logEvent(1, { type: 'f' }).log_id, data: logEvent(1, { type: 'f' }) }]);

  it('a log-stream token in the query string or the path is not a credential, and is never logged', async () => {
    for (const path of [
      `/auth0/log-stream?token=${STREAM_TOKEN}`,
      `/auth0/log-stream?authorization=Bearer%20${STREAM_TOKEN}`,
      `/auth0/log-stream?access_token=${STREAM_TOKEN}`,
      `/auth0/log-stream/${STREAM_TOKEN}`,
    ]) {
      const response = await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch });
      expect(response.status, path).toBe(401);
      expect(await response.text()).not.toContain(STREAM_TOKEN);
    }
    expect(stored()).toBe(0);
    // The path-segment attempt is logged (a wrong Payload URL), with the token scrubbed from the name.
    expect(lines.join('')).toContain('rejected a log-stream request');
    expect(lines.join('')).not.toContain(STREAM_TOKEN);
    // The header, and only the header, is the credential (a query string is ignored, not refused).
    const right = await fetch(url('/auth0/log-stream?x=1'), { method: 'POST', headers: { authorization: `Bearer ${STREAM_TOKEN}` }, body: batch });
    expect(right.status).toBe(200);
    expect(stored()).toBe(1);
  });

  it('METRICS_TOKEN in the query string opens neither /metrics nor the detailed /healthz', async () => {
    const metrics = await fetch(url(`/metrics?token=${METRICS_TOKEN}&authorization=Bearer%20${METRICS_TOKEN}`));
    expect(metrics.status).toBe(401);
    expect(await metrics.text()).not.toContain('secret_metric');
    const health = await fetch(url(`/healthz?token=${METRICS_TOKEN}`));
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(url('/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
  });

  it("an unsigned ssl_check carrying a smuggled slash command runs nothing (Slack's unsigned probe is answered empty)", async () => {
    const body = `ssl_check=1&${slashCommandBody('rules')}`;
    const response = await fetch(url('/slack/events'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(ruleReads).toBe(0);
  });

  it('a captured signature is worth nothing for another body or another timestamp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const original = slashCommandBody('pwd_leak');
    const signature = slackSignature(SIGNING_SECRET, now, original);
    // The body changed after signing (another command text).
    expect((await postSigned(port, slashCommandBody('rules'), { signingSecret: SIGNING_SECRET, timestampSec: now, signature })).status).toBe(401);
    // Replayed later with a fresh timestamp header: the timestamp is inside the signed text.
    expect((await postSigned(port, original, { signingSecret: SIGNING_SECRET, timestampSec: now + 1, signature })).status).toBe(401);
    // The timestamp written otherwise (a sign, decimals, the header twice) is refused before Bolt reads the body.
    // (A leading zero passes: Bolt signs Number(header), so it is the very same request, in the same window.)
    for (const written of [`+${now}`, `${now}.0`, `${now}e0`, ` ${now - 400}`, `${now}, ${now}`]) {
      const response = await fetch(url('/slack/events'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': written, 'x-slack-signature': signature },
        body: original,
      });
      expect(response.status, written).toBe(401);
    }
    expect(ruleReads).toBe(0);
    // The genuine request still works.
    expect((await postSigned(port, original, { signingSecret: SIGNING_SECRET, timestampSec: now, signature })).status).toBe(200);
  });
});
