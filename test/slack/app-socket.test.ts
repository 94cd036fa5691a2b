import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { silentLogger } from '../../src/log.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { publicHealth, type HealthReport } from '../../src/slack/health.js';
import type { LogcodeReply } from '../../src/slack/logcode.js';
import { FIXED_NOW, SAMPLE_RULES, replyText } from '../helpers/bolt-fixtures.js';
import { startSocketStandIn } from '../helpers/socket-standin.js';

/**
 * Socket Mode end to end against a local stand-in for Slack (SLACK_API_URL): the app calls
 * auth.test and apps.connections.open over HTTP, then takes slash commands over a WebSocket
 * and answers in the envelope's ack. No nock here: the stand-in is a real local server.
 */
describe('Slack app in Socket Mode', () => {
  const APP_TOKEN = 'xapp-1-A0001-1-test';
  let slack: Awaited<ReturnType<typeof startSocketStandIn>>;
  let app: SlackAppHandle;
  let healthPort: number;
  const health: HealthReport = { status: 'degraded', reason: 'no successful poll since start 10m ago', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 240 };

  beforeAll(async () => {
    slack = await startSocketStandIn();
    app = createSlackApp({
      botToken: 'xoxb-test',
      appToken: APP_TOKEN,
      signingSecret: 'ignored-in-socket-mode',
      apiUrl: slack.apiUrl,
      healthPort: 0,
      host: '127.0.0.1',
      logcode: { catalog: loadCatalog(), rules: () => SAMPLE_RULES, defaultChannel: '#alerts', now: () => FIXED_NOW },
      health: () => health,
      logger: silentLogger(),
    })!;
    expect(app.mode).toBe('socket');
    healthPort = (await app.start()).healthPort!;
    await slack.connected;
  });

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  });

  it('verifies the bot token and opens the socket with the app token, both at SLACK_API_URL', () => {
    expect(slack.calls.map((call) => call.method)).toEqual(['auth.test', 'apps.connections.open']);
    expect(slack.calls[1]!.authorization).toBe(`Bearer ${APP_TOKEN}`);
  });

  it('answers /logcode in the envelope ack', async () => {
    const ws = await slack.connected;
    const answer = new Promise<{ envelope_id: string; payload: LogcodeReply }>((resolve) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data))));
    });
    ws.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          command: '/logcode',
          text: 'pwd_leak',
          team_id: 'T0001',
          user_id: 'U0001',
          channel_id: 'C0001',
          api_app_id: 'A0001',
          response_url: 'https://hooks.slack.com/commands/T0001/1/abc',
          trigger_id: '1.2.3',
        },
      }),
    );
    const { envelope_id, payload } = await answer;
    expect(envelope_id).toBe('env-1');
    expect(payload.response_type).toBe('ephemeral');
    expect(replyText(payload)).toContain('`breached-password`');
  });

  it('serves /healthz on HEALTH_PORT', async () => {
    const response = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(publicHealth(health));
  });
});
