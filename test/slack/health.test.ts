import { afterEach, describe, expect, it } from 'vitest';
import { assessHealth, assessTenantsHealth, readHealth, scheduleIntervalMs, PUBLIC_REASONS, type HealthReport } from '../../src/slack/health.js';
import { createRouter, listen } from '../../src/http/server.js';
import { tempStateDb } from '../helpers/temp-db.js';

const NOW = new Date('2025-01-01T12:00:00.000Z');
const MINUTE = 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('assessHealth', () => {
  // Defaults: 3 missed polls + 60 s grace; with a 1-minute schedule the limit is 4 minutes.
  it.each([
    // polled just now
    { name: 'fresh success', lastSuccessAt: ago(10_000), startedAt: ago(60 * MINUTE), status: 'ok', reason: undefined },
    // exactly at the limit is still ok
    { name: 'success at the limit', lastSuccessAt: ago(4 * MINUTE), startedAt: ago(60 * MINUTE), status: 'ok', reason: undefined },
    // one second past the limit
    { name: 'stale success', lastSuccessAt: ago(4 * MINUTE + 1000), startedAt: ago(60 * MINUTE), status: 'degraded', reason: 'last successful poll was 4m ago' },
    // still within the first-poll grace
    { name: 'starting', lastSuccessAt: null, startedAt: ago(30_000), status: 'ok', reason: 'starting: no successful poll since start yet' },
    // restarted after a long outage: the new process gets its first-poll grace
    { name: 'restarted', lastSuccessAt: ago(24 * 60 * MINUTE), startedAt: ago(30_000), status: 'ok', reason: 'starting: no successful poll since start yet' },
    // never succeeded since start, long ago
    { name: 'never succeeded', lastSuccessAt: undefined, startedAt: ago(10 * MINUTE), status: 'degraded', reason: 'no successful poll since start 10m ago' },
  ])('$name → $status', ({ lastSuccessAt, startedAt, status, reason }) => {
    const report = assessHealth({ lastSuccessAt, startedAt, intervalMs: MINUTE, now: NOW });
    expect(report.status).toBe(status);
    expect(report.reason).toBe(reason);
    expect(report.maxAgeSeconds).toBe(240);
  });

  it('names the last error when degraded', () => {
    const report = assessHealth({ lastSuccessAt: ago(30 * MINUTE), startedAt: ago(60 * MINUTE), intervalMs: MINUTE, now: NOW, lastError: 'Auth0 rate limited' });
    expect(report).toEqual({
      status: 'degraded',
      reason: 'last successful poll was 30m ago (last error: Auth0 rate limited)',
      lastSuccessAt: ago(30 * MINUTE).toISOString(),
      ageSeconds: 1800,
      maxAgeSeconds: 240,
    });
  });

  it('scales the limit with the schedule and the options', () => {
    const input = { lastSuccessAt: ago(12 * MINUTE), startedAt: ago(60 * MINUTE), now: NOW };
    expect(assessHealth({ ...input, intervalMs: 5 * MINUTE }).status).toBe('ok');
    expect(assessHealth({ ...input, intervalMs: 5 * MINUTE }, { missedPolls: 2, graceMs: 0 }).status).toBe('degraded');
    // nonsense intervals fall back to one minute rather than "always healthy"
    expect(assessHealth({ ...input, intervalMs: Number.NaN }).status).toBe('degraded');
  });
});

describe('health server (Socket Mode, HEALTH_PORT)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('answers GET /healthz with 200 or 503, and nothing else', async () => {
    let report: HealthReport = { status: 'ok', lastSuccessAt: NOW.toISOString(), ageSeconds: 1, maxAgeSeconds: 240 };
    const server = await listen(createRouter({ health: () => report }), 0, '127.0.0.1');
    close = server.close;
    const base = `http://127.0.0.1:${server.port}`;

    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });

    report = {
      ...report,
      status: 'degraded',
      reason: 'acme-prod: last successful poll was 12m ago (last error: Auth0 GET /api/v2/logs returned 401 Bearer xyz)',
      tenants: { 'acme-prod': { status: 'degraded', lastSuccessAt: null, ageSeconds: 720, maxAgeSeconds: 240 } },
    };
    const degraded = await fetch(`${base}/healthz?probe=1`);
    expect(degraded.status).toBe(503);
    // Public and unauthenticated: ok / degraded and a generic reason, never tenants, errors or timings (issue 11).
    expect(await degraded.json()).toEqual({ status: 'degraded', reason: PUBLIC_REASONS.stale });

    report = { status: 'ok', reason: 'starting: no successful poll since start yet (last error: x)', lastSuccessAt: null, ageSeconds: null, maxAgeSeconds: 240 };
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', reason: 'starting' });

    // With replicas: which one answered and how many tenants it polls — never which tenants (those: `status`).
    const replica = { id: 'node-b:202:bbb', polling: 7, replicas: 3 };
    report = { ...report, reason: undefined, tenants: { 'acme-prod': report }, replica } as HealthReport;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', replica });
    report = { status: 'degraded', reason: 'acme-prod: stale', lastSuccessAt: null, ageSeconds: 720, maxAgeSeconds: 240, replica };
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'degraded', reason: PUBLIC_REASONS.stale, replica });

    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});

describe('assessTenantsHealth', () => {
  const fresh = { lastSuccessAt: ago(10_000), startedAt: ago(60 * MINUTE), intervalMs: MINUTE, now: NOW };
  const stale = { lastSuccessAt: ago(30 * MINUTE), startedAt: ago(60 * MINUTE), intervalMs: MINUTE, now: NOW };

  it('is degraded when one tenant is, naming it, with every tenant attached', () => {
    const report = assessTenantsHealth([
      { tenant: 'a.eu.auth0.com', ...fresh },
      { tenant: 'b.us.auth0.com', ...stale },
    ]);
    expect(report.status).toBe('degraded');
    expect(report.reason).toBe('b.us.auth0.com: last successful poll was 30m ago');
    expect(Object.keys(report.tenants ?? {})).toEqual(['a.eu.auth0.com', 'b.us.auth0.com']);
    expect(report.tenants?.['a.eu.auth0.com']?.status).toBe('ok');
  });

  it('is the single report for one tenant, and degraded for none', () => {
    expect(assessTenantsHealth([{ tenant: 'a', ...fresh }])).toEqual(assessHealth(fresh));
    expect(assessTenantsHealth([]).status).toBe('degraded');
  });
});

describe('scheduleIntervalMs', () => {
  it.each([
    // seconds field: every 30 s (the default POLL_SCHEDULE)
    { expression: '*/30 * * * * *', ms: 30_000 },
    { expression: '*/5 * * * *', ms: 5 * MINUTE },
    { expression: '0 * * * *', ms: 60 * MINUTE },
    // weekdays only: the weekend gap counts, so Monday morning is not "degraded"
    { expression: '0 9 * * 1-5', ms: 3 * 24 * 60 * MINUTE },
    // invalid expressions fall back to a minute (config validation reports them)
    { expression: 'not a schedule', ms: MINUTE },
  ])('$expression → $ms ms', ({ expression, ms }) => {
    expect(scheduleIntervalMs(expression)).toBe(ms);
  });
});

describe('readHealth (real SQLite)', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  it('is degraded for a tenant whose polling problem is open, however recent its last success', async () => {
    const temp = tempStateDb();
    cleanup = temp.cleanup;
    const timing = { startedAt: ago(60 * MINUTE), intervalMs: MINUTE, now: NOW };
    await temp.store.recordPollOutcome('a.eu.auth0.com', { ok: true, at: ago(5000) });
    await temp.store.openProblem({ key: 'polling_failing:a.eu.auth0.com', kind: 'polling_failing', tenant: 'a.eu.auth0.com', summary: 'polling tenant a.eu.auth0.com has failed for 12 min (Auth0 rejected the credentials)' }, new Date());
    expect(await readHealth(temp.store, ['a.eu.auth0.com'], timing)).toMatchObject({ status: 'degraded', reason: expect.stringContaining('Auth0 rejected the credentials') });
    await temp.store.resolveProblem('polling_failing:a.eu.auth0.com', new Date());
    expect(await readHealth(temp.store, ['a.eu.auth0.com'], timing)).toMatchObject({ status: 'ok' });
  });

  it('reads each tenant\'s last success and last error from the state database', async () => {
    const temp = tempStateDb();
    cleanup = temp.cleanup;
    await temp.store.recordPollOutcome('a.eu.auth0.com', { ok: true, at: ago(20 * MINUTE) });
    await temp.store.recordPollOutcome( 'a.eu.auth0.com', { ok: false, error: 'Auth0 GET /api/v2/logs failed (HTTP 503)', at: ago(MINUTE) });
    const timing = { startedAt: ago(60 * MINUTE), intervalMs: MINUTE, now: NOW };

    const report = await readHealth(temp.store, ['a.eu.auth0.com'], timing);
    expect(report).toMatchObject({
      status: 'degraded',
      reason: 'last successful poll was 20m ago (last error: Auth0 GET /api/v2/logs failed (HTTP 503))',
      ageSeconds: 1200,
    });

    await temp.store.recordPollOutcome('a.eu.auth0.com', { ok: true, at: ago(5000) });
    expect(await readHealth(temp.store, ['a.eu.auth0.com'], timing)).toMatchObject({ status: 'ok', ageSeconds: 5 });
    // a tenant with no row yet, long after start
    expect((await readHealth(temp.store, ['never.auth0.com'], timing)).status).toBe('degraded');
  });
});
