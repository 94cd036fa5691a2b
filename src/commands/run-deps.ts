import type { RunDeps } from '../run/bot.js';
import type { HealthReport } from '../slack/health.js';
import { packageVersion } from '../version.js';
import { describeRule } from '../engine/index.js';
import { receivesActions } from '../slack/actions/receives.js';
import { formatPreviews } from '../slack/format-repeat.js';
import { createSender } from '../slack/sender.js';
import { createSlackClient } from '../slack/poster.js';
import { describeAlert } from './replay.js';
import { createLogStreamHandler, logStreamEnabled } from '../intake/stream-handler.js';
import { readHealthDetail, StreamDeliveryTally } from '../http/health-detail.js';

/**
 * The concrete Slack pieces (sender, Bolt app, health server) plug in here;
 * the poller itself knows nothing of Slack.
 */
export const runDeps: Omit<RunDeps, 'env'> = {
  createSender: ({ config, store, catalog, logger, replicaId, once, slackActions }) =>
    createSender({
      // Buttons only where a Slack app receives the clicks (Socket Mode or HTTP mode, not --once)
      // and has actually started: an app that failed to start leaves no dead button.
      interactive: () => receivesActions(config.slack, once === true) && slackActions.live,
      store,
      owner: replicaId,
      catalog,
      logger,
      client: createSlackClient({ token: config.slack.botToken ?? '', apiUrl: config.slack.apiUrl }),
      defaultChannel: config.alertChannel ?? '',
      backlogNoticeMs: config.selfWatch.backlogAfterMs,
      dashboardFor: (key) => config.tenants.find((tenant) => tenant.key === key)?.dashboard,
      tenants: config.tenants.map((tenant) => tenant.key),
    }),
  startCompanions: async ({ config, store, catalog, ruleSet, logger, signal, intakes, wakeSender, replicaId, leases, slackActions }) => {
    // Loaded only by the bot that starts them: Bolt is most of the CLI's start-up time, and
    // prom-client is for /metrics; replay, rules and the other commands never pay for them.
    const { startSlackCompanion } = await import('../slack/companion.js');
    const { enableMetrics } = await import('../metrics/prometheus.js');
    const metrics = enableMetrics({
      store,
      tenants: config.tenants.map((tenant) => tenant.key),
      rules: ruleSet.rules.map(({ rule }) => ({ id: rule.id, severity: rule.severity })),
      token: config.metricsToken,
      version: packageVersion(),
      leases: () => {
        const snapshot = leases?.();
        return replicaId && snapshot ? { replica: replicaId, held: snapshot.held, replicasAlive: snapshot.replicasAlive } : undefined;
      },
    });
    const deliveries = new StreamDeliveryTally();
    const logStream = logStreamEnabled(config.tenants)
      ? createLogStreamHandler({
          tenants: config.tenants,
          intakeFor: (tenant) => intakes?.get(tenant),
          logger,
          onCommitted: (tenant, result) => {
            deliveries.record(tenant, result);
            if (result.alertsQueued > 0) wakeSender?.();
          },
        })
      : undefined;
    // /healthz's detail answers only METRICS_TOKEN: without one, every caller gets the generic body.
    const tenantKeys = config.tenants.map((tenant) => tenant.key);
    const healthDetail = config.metricsToken
      ? { token: config.metricsToken, read: (report: HealthReport) => readHealthDetail(store, tenantKeys, report, deliveries) }
      : undefined;
    try {
      const companion = await startSlackCompanion({
        config,
        store,
        catalog,
        logger,
        signal,
        rules: () => ruleSet.rules.map((compiled) => describeRule(compiled.rule)),
        routes: { metrics, logStream, healthDetail },
        // Only with several replicas possible (PostgreSQL): a single SQLite bot's probe says no more than ok/degraded.
        replica: () => {
          if (!config.databaseUrl) return undefined;
          const snapshot = leases?.();
          return replicaId && snapshot ? { id: replicaId, polling: snapshot.held.length, replicas: snapshot.replicasAlive } : undefined;
        },
      });
      slackActions.live = companion?.receivesActions === true;
      const slack = companion
        ? {
            stop: async () => {
              slackActions.live = false;
              await companion.stop();
            },
          }
        : undefined;
      return [...(slack ? [slack] : []), { stop: async () => metrics.close() }];
    } catch (error) {
      metrics.close();
      throw error;
    }
  },
  write: (line) => process.stdout.write(`${line}\n`),
  describe: (alert, { catalog, tenant, defaultChannel, json }) =>
    json
      ? // The sender's context (tenant included), so the body is the one it would post.
        // (an alert of more than 100 events: its message, then the replies listing its other log ids, a line each).
        formatPreviews(alert, { catalog, defaultChannel, dashboard: tenant.dashboard, tenant: tenant.key })
          .map((body) => JSON.stringify(body))
          .join('\n')
      : describeAlert(alert, defaultChannel),
};
