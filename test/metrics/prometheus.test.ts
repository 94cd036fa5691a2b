import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, listen, type ListeningServer } from '../../src/http/server.js';
import { metrics } from '../../src/metrics/index.js';
import { enableMetrics } from '../../src/metrics/prometheus.js';

const NOW = Date.parse('2024-05-01T12:10:00Z');
const METRICS_TOKEN = 'metrics-token-9d1c2b';

describe('/metrics (prom-client)', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function enable(token?: string) {
    const route = enableMetrics({
      store: { pendingChannels: async () => [{ channel: '#security-alerts', pending: 4 }] },
      tenants: ['acme'],
      rules: [{ id: 'breached-password', severity: 'critical' }],
      token,
      version: '9.9.9',
      now: () => NOW,
    });
    cleanups.push(route.close);
    return route;
  }
  async function serve(token?: string): Promise<ListeningServer> {
    const server = await listen(createRouter({ health: () => ({ status: 'ok', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 0 }), metrics: enable(token) }), 0, '127.0.0.1');
    cleanups.push(server.close);
    return server;
  }

  it('exposes every series of the list, pre-initialised, before anything happened', async () => {
    const text = (await enable().render()).body;
    for (const line of [
      'auth0_log_alerts_events_ingested_total{tenant="acme",path="poll"} 0',
      'auth0_log_alerts_events_ingested_total{tenant="acme",path="stream"} 0',
      'auth0_log_alerts_events_duplicate_total{tenant="acme",path="stream"} 0',
      'auth0_log_alerts_polls_total{tenant="acme",outcome="failed"} 0',
      'auth0_log_alerts_alerts_queued_total{tenant="acme",rule="breached-password",severity="critical"} 0',
      'auth0_log_alerts_notifications_total 0',
      'auth0_log_alerts_notifications_failed_total{reason="rate_limited"} 0',
      'auth0_log_alerts_rate_limit_waits_total{side="auth0"} 0',
      'auth0_log_alerts_rate_limit_wait_seconds_total{side="slack"} 0',
      'auth0_log_alerts_stream_requests_total{tenant="acme",status="401"} 0',
      'auth0_log_alerts_outbox_pending{channel="#security-alerts"} 4',
      'auth0_log_alerts_build_info{version="9.9.9"} 1',
    ]) {
      expect(text).toContain(line);
    }
    // Process and Node.js default metrics keep their standard names.
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  it('counts what the hooks report: ingestion per path, lag, polls, alerts, Slack calls, rate-limit waits, stream requests', async () => {
    const route = enable();
    metrics.eventsIngested('stream', 'acme', { evaluated: 7, duplicates: 3, malformed: 1, newestEventDate: '2024-05-01T12:09:30.000Z' });
    metrics.eventsIngested('poll', 'acme', { evaluated: 2, duplicates: 7, malformed: 0, newestEventDate: '2024-05-01T12:08:00.000Z' });
    metrics.pollCompleted('acme', { ok: true, durationMs: 800, at: new Date(NOW) });
    metrics.streamDelivered('acme', new Date(NOW - 5_000));
    metrics.alertsQueued('acme', [{ ruleId: 'breached-password', severity: 'critical' }, { ruleId: 'breached-password', severity: 'critical' }]);
    metrics.notification(120);
    metrics.notification(40, 'rate_limited');
    metrics.notification(40, 'something-new');
    metrics.rateLimitWaits('slack', 1, 2_500);
    metrics.streamRequest('acme', 200);
    metrics.streamRequest('', 404);
    const text = (await route.render()).body;
    for (const line of [
      'auth0_log_alerts_events_ingested_total{tenant="acme",path="stream"} 7',
      'auth0_log_alerts_events_duplicate_total{tenant="acme",path="stream"} 3',
      'auth0_log_alerts_events_malformed_total{tenant="acme",path="stream"} 1',
      'auth0_log_alerts_events_ingested_total{tenant="acme",path="poll"} 2',
      // The newest event seen by either path: 30 s before now.
      'auth0_log_alerts_log_lag_seconds{tenant="acme"} 30',
      'auth0_log_alerts_polls_total{tenant="acme",outcome="ok"} 1',
      `auth0_log_alerts_last_poll_success_timestamp_seconds{tenant="acme"} ${NOW / 1000}`,
      `auth0_log_alerts_last_stream_delivery_timestamp_seconds{tenant="acme"} ${(NOW - 5_000) / 1000}`,
      'auth0_log_alerts_alerts_queued_total{tenant="acme",rule="breached-password",severity="critical"} 2',
      'auth0_log_alerts_notifications_total 3',
      'auth0_log_alerts_notifications_failed_total{reason="rate_limited"} 1',
      'auth0_log_alerts_notifications_failed_total{reason="other"} 1',
      'auth0_log_alerts_notification_latency_seconds_count 3',
      'auth0_log_alerts_rate_limit_waits_total{side="slack"} 1',
      'auth0_log_alerts_rate_limit_wait_seconds_total{side="slack"} 2.5',
      'auth0_log_alerts_stream_requests_total{tenant="acme",status="200"} 1',
      'auth0_log_alerts_stream_requests_total{tenant="",status="404"} 1',
    ]) {
      expect(text).toContain(line);
    }
    // Our own series follow Prometheus naming: prefix, _total counters, base units; no user or IP labels.
    const ours = text.split('\n').filter((line) => line.startsWith('auth0_log_alerts_'));
    expect(ours.every((line) => !/\b(user|user_name|user_id|ip|email)="/.test(line))).toBe(true);
    const types = [...text.matchAll(/^# TYPE (auth0_log_alerts_\S+) (\w+)$/gm)].map(([, name, type]) => ({ name: name!, type: type! }));
    expect(types.filter((t) => t.type === 'counter').every((t) => t.name.endsWith('_total'))).toBe(true);
    expect(types.filter((t) => /_(ms|milliseconds|minutes)\b/.test(t.name))).toEqual([]);
  });

  it('says which replica polls which tenant (1 for the tenants it holds) and how many replicas are alive', async () => {
    let held = ['acme'];
    const route = enableMetrics({
      store: { pendingChannels: async () => [] },
      tenants: ['acme', 'globex'],
      leases: () => ({ replica: 'node-b:202:bbb', held, replicasAlive: 2 }),
    });
    cleanups.push(route.close);
    let text = (await route.render()).body;
    expect(text).toContain('auth0_log_alerts_tenant_polled{tenant="acme",replica="node-b:202:bbb"} 1');
    expect(text).toContain('auth0_log_alerts_tenant_polled{tenant="globex",replica="node-b:202:bbb"} 0');
    expect(text).toContain('auth0_log_alerts_replicas_alive{replica="node-b:202:bbb"} 2');
    held = ['globex']; // handed over, then taken another
    text = (await route.render()).body;
    expect(text).toContain('auth0_log_alerts_tenant_polled{tenant="acme",replica="node-b:202:bbb"} 0');
    expect(text).toContain('auth0_log_alerts_tenant_polled{tenant="globex",replica="node-b:202:bbb"} 1');
  });

  it('asks for METRICS_TOKEN as a bearer token when set', async () => {
    const server = await serve(METRICS_TOKEN);
    const url = `http://127.0.0.1:${server.port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await ok.text()).toContain('auth0_log_alerts_build_info');
  });

  it('serves /metrics to anyone without METRICS_TOKEN, and stops counting once closed', async () => {
    const server = await serve();
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(200);
    const route = enable();
    route.close();
    metrics.streamRequest('acme', 200); // after close: the no-op sink, nothing counted
    expect((await route.render()).body).toContain('auth0_log_alerts_stream_requests_total{tenant="acme",status="200"} 0');
  });
});
