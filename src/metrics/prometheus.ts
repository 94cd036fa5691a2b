import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsRoute } from '../http/metrics-route.js';
import type { StateStore } from '../state/store.js';
import { setMetricsSink, type MetricsSink } from './index.js';

const PREFIX = 'auth0_log_alerts_';

export interface PrometheusOptions {
  store: Pick<StateStore, 'pendingChannels'>;
  /** Tenant keys: their series start at 0 so that rate() and absent() work from the first scrape. */
  tenants: readonly string[];
  /** The rules' ids and severities, pre-initialised likewise. */
  rules?: ReadonlyArray<{ id: string; severity: string }>;
  /** METRICS_TOKEN. */
  token?: string | undefined;
  version?: string;
  now?: () => number;
  /** This replica (REPLICA_ID or host:pid:random) and the tenants it polls now: which replica polls which tenant. */
  leases?: () => { replica: string; held: readonly string[]; replicasAlive: number } | undefined;
}

/** Failure reasons of a Slack call (SlackApiError's classification); anything else counts as `other`. */
const NOTIFICATION_FAILURES = ['rate_limited', 'auth', 'client', 'server', 'network', 'timeout', 'other'] as const;

/**
 * The bot's Prometheus registry (prom-client): the metrics listed in the
 * README, the process and Node.js default metrics, and the `/metrics` route.
 * Installs itself as the sink of `metrics` (src/metrics/index.ts); `close()`
 * puts the no-op sink back.
 *
 * Default metrics keep their standard names (`process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`…), without our prefix, so that the usual
 * dashboards and alerts for Node processes work unchanged.
 */
export function enableMetrics(options: PrometheusOptions): MetricsRoute & { registry: Registry; close(): void } {
  const registry = new Registry();
  const now = options.now ?? Date.now;
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const eventsIngested = new Counter({ name: `${PREFIX}events_ingested_total`, help: 'Log events evaluated, by path (poll or stream) and tenant.', labelNames: ['tenant', 'path'], registers });
  const eventsDuplicate = new Counter({
    name: `${PREFIX}events_duplicate_total`,
    help: 'Log events skipped because they were already evaluated (delivered by the other path, or again).',
    labelNames: ['tenant', 'path'],
    registers,
  });
  const eventsMalformed = new Counter({ name: `${PREFIX}events_malformed_total`, help: 'Log events skipped as malformed.', labelNames: ['tenant', 'path'], registers });
  const polls = new Counter({ name: `${PREFIX}polls_total`, help: 'Poll cycles, by outcome (ok or failed).', labelNames: ['tenant', 'outcome'], registers });
  const pollDuration = new Histogram({
    name: `${PREFIX}poll_duration_seconds`,
    help: 'Duration of poll cycles.',
    labelNames: ['tenant'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const lastPollSuccess = new Gauge({ name: `${PREFIX}last_poll_success_timestamp_seconds`, help: 'When a poll cycle last succeeded (Unix time).', labelNames: ['tenant'], registers });
  const lastStream = new Gauge({ name: `${PREFIX}last_stream_delivery_timestamp_seconds`, help: 'When a log-stream batch was last stored (Unix time).', labelNames: ['tenant'], registers });
  const newestEvent = new Map<string, number>();
  new Gauge({
    name: `${PREFIX}log_lag_seconds`,
    help: 'Now minus the date of the newest log event evaluated, per tenant.',
    labelNames: ['tenant'],
    registers,
    collect() {
      for (const [tenant, at] of newestEvent) this.set({ tenant }, Math.max(0, (now() - at) / 1000));
    },
  });
  const alertsQueued = new Counter({ name: `${PREFIX}alerts_queued_total`, help: 'Alerts queued for Slack, by tenant, rule and severity.', labelNames: ['tenant', 'rule', 'severity'], registers });
  const notifications = new Counter({ name: `${PREFIX}notifications_total`, help: 'Slack calls posting or editing a message (attempts, retries included).', registers });
  const notificationsFailed = new Counter({ name: `${PREFIX}notifications_failed_total`, help: 'Slack calls that failed, by reason.', labelNames: ['reason'], registers });
  const notificationLatency = new Histogram({
    name: `${PREFIX}notification_latency_seconds`,
    help: 'Duration of each Slack call posting or editing a message.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const outboxPending = new Gauge({
    name: `${PREFIX}outbox_pending`,
    help: 'Alerts waiting in the outbox, per channel.',
    labelNames: ['channel'],
    registers,
    async collect() {
      this.reset();
      for (const { channel, pending } of await options.store.pendingChannels()) this.set({ channel }, pending);
    },
  });
  void outboxPending;
  const rateLimitWaits = new Counter({ name: `${PREFIX}rate_limit_waits_total`, help: 'Waits for a rate limit, by side (auth0 or slack).', labelNames: ['side'], registers });
  const rateLimitWaitSeconds = new Counter({ name: `${PREFIX}rate_limit_wait_seconds_total`, help: 'Time spent waiting for rate limits, by side.', labelNames: ['side'], registers });
  const streamRequests = new Counter({ name: `${PREFIX}stream_requests_total`, help: 'Log-stream requests, by tenant and HTTP status answered.', labelNames: ['tenant', 'status'], registers });
  new Gauge({
    name: `${PREFIX}tenant_polled`,
    help: 'Whether this replica polls the tenant now (holds its lease): 1, else 0. Across replicas, each tenant sums to 1.',
    labelNames: ['tenant', 'replica'],
    registers,
    collect() {
      this.reset();
      const leases = options.leases?.();
      if (!leases) return;
      for (const tenant of options.tenants) this.set({ tenant, replica: leases.replica }, leases.held.includes(tenant) ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}replicas_alive`,
    help: 'Replicas sharing the state that were alive at this one\'s last heartbeat, itself included.',
    labelNames: ['replica'],
    registers,
    collect() {
      this.reset();
      const leases = options.leases?.();
      if (leases) this.set({ replica: leases.replica }, leases.replicasAlive);
    },
  });
  new Gauge({ name: `${PREFIX}build_info`, help: 'Always 1; the version in a label.', labelNames: ['version'], registers }).set({ version: options.version ?? 'unknown' }, 1);

  // Series that exist from the first scrape: rate() over them works from zero, and a missing one is a real absence.
  for (const tenant of options.tenants) {
    for (const path of ['poll', 'stream']) {
      eventsIngested.inc({ tenant, path }, 0);
      eventsDuplicate.inc({ tenant, path }, 0);
      eventsMalformed.inc({ tenant, path }, 0);
    }
    for (const outcome of ['ok', 'failed']) polls.inc({ tenant, outcome }, 0);
    for (const status of ['200', '400', '401', '413', '500', '503']) streamRequests.inc({ tenant, status }, 0);
    for (const rule of options.rules ?? []) alertsQueued.inc({ tenant, rule: rule.id, severity: rule.severity }, 0);
  }
  notifications.inc(0);
  for (const reason of NOTIFICATION_FAILURES) notificationsFailed.inc({ reason }, 0);
  for (const side of ['auth0', 'slack']) {
    rateLimitWaits.inc({ side }, 0);
    rateLimitWaitSeconds.inc({ side }, 0);
  }

  const sink: MetricsSink = {
    eventsIngested(path, tenant, counts) {
      if (counts.evaluated > 0) eventsIngested.inc({ tenant, path }, counts.evaluated);
      if (counts.duplicates > 0) eventsDuplicate.inc({ tenant, path }, counts.duplicates);
      if (counts.malformed > 0) eventsMalformed.inc({ tenant, path }, counts.malformed);
      const newest = counts.newestEventDate ? Date.parse(counts.newestEventDate) : Number.NaN;
      if (Number.isFinite(newest) && newest > (newestEvent.get(tenant) ?? Number.NEGATIVE_INFINITY)) newestEvent.set(tenant, newest);
    },
    alertsQueued(tenant, alerts) {
      for (const alert of alerts) alertsQueued.inc({ tenant, rule: alert.ruleId, severity: alert.severity });
    },
    pollCompleted(tenant, outcome) {
      polls.inc({ tenant, outcome: outcome.ok ? 'ok' : 'failed' });
      pollDuration.observe({ tenant }, outcome.durationMs / 1000);
      if (outcome.ok) lastPollSuccess.set({ tenant }, outcome.at.getTime() / 1000);
    },
    streamDelivered(tenant, at) {
      lastStream.set({ tenant }, at.getTime() / 1000);
    },
    streamRequest(tenant, status) {
      streamRequests.inc({ tenant, status: String(status) });
    },
    rateLimitWaits(side, waits, waitMs) {
      if (waits > 0) rateLimitWaits.inc({ side }, waits);
      if (waitMs > 0) rateLimitWaitSeconds.inc({ side }, waitMs / 1000);
    },
    notification(durationMs, failure) {
      notifications.inc();
      notificationLatency.observe(durationMs / 1000);
      if (failure !== undefined) notificationsFailed.inc({ reason: (NOTIFICATION_FAILURES as readonly string[]).includes(failure) ? failure : 'other' });
    },
  };
  const restore = setMetricsSink(sink);
  return {
    registry,
    token: options.token,
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    close: restore,
  };
}
