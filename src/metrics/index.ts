/**
 * The metrics facade: modules report what happened in one line
 * (`metrics.streamRequest(tenant, 401)`), and nothing more happens until the
 * bot turns a registry on (`enableMetrics`, src/metrics/prometheus.ts) for its
 * `/metrics` endpoint. Tests and the CLI commands that serve no metrics keep
 * the no-op sink: no prom-client loaded, no cost.
 *
 * Labels never carry a user, an IP or anything else from a log event's
 * content: tenants, rules, severities, channels and closed sets of reasons only.
 */

export type IngestPath = 'poll' | 'stream';
export type RateLimitSide = 'auth0' | 'slack';

export interface MetricsSink {
  /** Events of one intake step: evaluated, skipped as already seen, skipped as malformed; the newest evaluated event's date. */
  eventsIngested(path: IngestPath, tenant: string, counts: { evaluated: number; duplicates: number; malformed: number; newestEventDate: string | null }): void;
  /** Alerts queued by one intake step (per rule and severity). */
  alertsQueued(tenant: string, alerts: ReadonlyArray<{ ruleId: string; severity: string }>): void;
  /** One poll cycle ended (not counted when a shutdown cut it short). */
  pollCompleted(tenant: string, outcome: { ok: boolean; durationMs: number; at: Date }): void;
  /** A log-stream batch was committed at `at`. */
  streamDelivered(tenant: string, at: Date): void;
  /** A log-stream request was answered with `status` (`tenant` '' when the path named no known tenant). */
  streamRequest(tenant: string, status: number): void;
  /** Rate-limit waits: how many, and how long in total. */
  rateLimitWaits(side: RateLimitSide, waits: number, waitMs: number): void;
  /** One Slack call that posts or edits a message: its duration, and its failure reason if it failed. */
  notification(durationMs: number, failure?: string): void;
}

const noop: MetricsSink = {
  eventsIngested() {},
  alertsQueued() {},
  pollCompleted() {},
  streamDelivered() {},
  streamRequest() {},
  rateLimitWaits() {},
  notification() {},
};

let current: MetricsSink = noop;

/** The sink every hook reports to (a no-op until metrics are enabled). */
export const metrics: MetricsSink = {
  eventsIngested: (...args) => current.eventsIngested(...args),
  alertsQueued: (...args) => current.alertsQueued(...args),
  pollCompleted: (...args) => current.pollCompleted(...args),
  streamDelivered: (...args) => current.streamDelivered(...args),
  streamRequest: (...args) => current.streamRequest(...args),
  rateLimitWaits: (...args) => current.rateLimitWaits(...args),
  notification: (...args) => current.notification(...args),
};

/** Installs a sink (returns a function restoring the previous one). */
export function setMetricsSink(sink: MetricsSink): () => void {
  const previous = current;
  current = sink;
  return () => {
    current = previous;
  };
}
