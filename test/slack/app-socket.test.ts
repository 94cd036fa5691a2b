import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// `ws` is what @slack/socket-mode itself uses; the test plays Slack's side of the socket.
import { WebSocketServer, type WebSocket } from 'ws';
import { loadCatalog } from '../../src/catalog/index.js';
import { silentLogger } from '../../src/log.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import { publicHealth, type HealthReport } from '../../src/slack/health.js';
import type { LogcodeReply } from '../../src/slack/logcode.js';
import { FIXED_NOW, SAMPLE_RULES, replyText } from '../helpers/bolt-fixtures.js';

/**
 * Socket Mode end to end against a local stand-in for Slack (SLACK_API_URL): the app calls
 * auth.test and apps.connections.open over HTTP, then takes slash commands over a WebSocket
 * and answers in the envelope's ack. No nock here: the stand-in is a real local server.
 */
describe('Slack app in Socket Mode', () => {
  const APP_TOKEN = 'xapp-1-A0001-1-test';
  const calls: Array<{ method: string; authorization: string | undefined }> = [];
  let api: Server;
  let sockets: WebSocketServer;
  let socket: WebSocket | undefined;
  let connected: Promise<WebSocket>;
  let app: SlackAppHandle;
  let healthPort: number;
  const health: HealthReport = { status: 'degraded', reason: 'no successful poll since start 10m ago', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 240 };

  beforeAll(async () => {
    sockets = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    connected = new Promise<WebSocket>((resolve) => {
      sockets.on('connection', (ws) => {
        socket = ws;
        ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0001' } }));
        resolve(ws);
      });
    });
    await new Promise<void>((resolve) => sockets.once('listening', () => resolve()));
    const wsPort = (sockets.address() as AddressInfo).port;
    api = createServer((req, res) => {
      const method = (req.url ?? '').replace(/^\/api\//, '');
      calls.push({ method, authorization: req.headers.authorization });
      req.resume();
      const body = method === 'apps.connections.open' ? { ok: true, url: `ws://127.0.0.1:${wsPort}/link` } : { ok: true, user_id: 'UBOT', bot_id: 'BBOT' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));

    app = createSlackApp({
      botToken: 'xoxb-test',
      appToken: APP_TOKEN,
      signingSecret: 'ignored-in-socket-mode',
      apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}/api/`,
      healthPort: 0,
      host: '127.0.0.1',
      logcode: { catalog: loadCatalog(), rules: () => SAMPLE_RULES, defaultChannel: '#alerts', now: () => FIXED_NOW },
      health: () => health,
      logger: silentLogger(),
    })!;
    expect(app.mode).toBe('socket');
    healthPort = (await app.start()).healthPort!;
    await connected;
  });

  afterAll(async () => {
    await app?.stop();
    socket?.terminate();
    await new Promise<void>((resolve) => (sockets ? sockets.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
  });

  it('verifies the bot token and opens the socket with the app token, both at SLACK_API_URL', () => {
    expect(calls.map((call) => call.method)).toEqual(['auth.test', 'apps.connections.open']);
    expect(calls[1]!.authorization).toBe(`Bearer ${APP_TOKEN}`);
  });

  it('answers /logcode in the envelope ack', async () => {
    const ws = await connected;
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
