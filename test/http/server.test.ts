import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, listen } from '../../src/http/server.js';
import { PUBLIC_REASONS, type HealthReport } from '../../src/slack/health.js';

const NOW = new Date('2024-05-01T12:00:00Z');

describe("the bot's HTTP server", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('answers GET /healthz with 200 or 503, and 404 for every feature that is off', async () => {
    let report: HealthReport = { status: 'ok', lastSuccessAt: NOW.toISOString(), ageSeconds: 1, maxAgeSeconds: 240 };
    const server = await listen(createRouter({ health: () => report }), 0, '127.0.0.1');
    close = server.close;
    const base = `http://127.0.0.1:${server.port}`;

    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok' });

    report = { ...report, status: 'degraded', reason: 'last successful poll was 12m ago' };
    const degraded = await fetch(`${base}/healthz?probe=1`);
    expect(degraded.status).toBe(503);
    expect(await degraded.json()).toEqual({ status: 'degraded', reason: PUBLIC_REASONS.stale });

    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    for (const path of ['/', '/metrics', '/slack/events', '/auth0/log-stream', '/HEALTHZ']) {
      expect((await fetch(`${base}${path}`, { method: path === '/metrics' || path === '/' ? 'GET' : 'POST' })).status, path).toBe(404);
    }
  });

  it('hands POST /slack/events to the Slack receiver, and the log-stream paths with their tenant', async () => {
    const seen: string[] = [];
    const server = await listen(
      createRouter({
        health: () => ({ status: 'ok', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 0 }),
        slackEvents: (_req, res) => {
          seen.push('slack');
          res.writeHead(200).end();
        },
        logStream: async (_req, res, tenant) => {
          seen.push(`stream:${tenant ?? '-'}`);
          res.writeHead(200).end();
        },
      }),
      0,
      '127.0.0.1',
    );
    close = server.close;
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ['/slack/events', '/auth0/log-stream', '/auth0/log-stream/acme-prod', '/auth0/log-stream/a%2Fb?x=1']) {
      expect((await fetch(`${base}${path}`, { method: 'POST' })).status).toBe(200);
    }
    expect((await fetch(`${base}/auth0/log-stream/`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/auth0/log-stream/a/b`, { method: 'POST' })).status).toBe(404);
    expect(seen).toEqual(['slack', 'stream:-', 'stream:acme-prod', 'stream:a%2Fb']);
  });
});
