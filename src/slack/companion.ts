import type { AppConfig } from '../config/index.js';
import type { Catalog } from '../catalog/types.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import type { ListeningServer } from '../http/server.js';
import { incidentActions } from './actions/index.js';
import { createSlackApp } from './app.js';
import type { SlackAppOptions } from './app-options.js';
import type { Dashboard } from './event-fields.js';
import { readHealth, scheduleIntervalMs, type ReplicaHealth } from './health.js';
import { readLogcodeStatus, type LogcodeRule } from './logcode.js';
import { startSideServers } from './side-servers.js';

/** Said once at start when neither Socket Mode nor HTTP mode is configured (`slackAppMode` returns undefined). */
export const SLASH_COMMAND_DISABLED =
  'slash command disabled: set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) to serve /logcode';

export interface SlackCompanionInput {
  config: Pick<AppConfig, 'slack' | 'port' | 'healthPort' | 'alertChannel' | 'pollSchedule'> & { tenants: ReadonlyArray<{ key: string; dashboard?: Dashboard | undefined }> };
  store: StateStore;
  catalog: Catalog;
  /** The loaded rules as `/logcode` shows them, e.g. `() => ruleSet.rules.map((c) => describeRule(c.rule))`. */
  rules: () => readonly LogcodeRule[];
  logger: Logger;
  /** When polling started (first-poll grace of /healthz). @default now */
  startedAt?: Date;
  /** This replica's name and share, shown on /healthz (which tenants: `status`). */
  replica?: () => ReplicaHealth | undefined;
  /** The bot's other HTTP routes (metrics, log stream); see SlackAppOptions.routes. */
  routes?: SlackAppOptions['routes'];
  /**
   * Shutdown: stops a start still in progress (Socket Mode keeps reconnecting until Slack
   * answers, which would keep the process alive after SIGTERM); the start then resolves undefined.
   */
  signal?: AbortSignal;
}

/**
 * What `run` starts next to the poller: the Bolt app with `/logcode` and `/healthz` wired to the
 * state database, or, without Slack app credentials, only the health server on HEALTH_PORT (if set).
 * Says once when the slash command is disabled. Undefined when there is nothing to run.
 */
export async function startSlackCompanion(
  input: SlackCompanionInput,
): Promise<{ stop(): Promise<void>; port?: number; healthPort?: number; receivesActions: boolean } | undefined> {
  const { config, store, logger } = input;
  const tenants = config.tenants.map((tenant) => tenant.key);
  const timing = { startedAt: input.startedAt ?? new Date(), intervalMs: scheduleIntervalMs(config.pollSchedule) };
  const health = async () => {
    const report = await readHealth(store, tenants, timing);
    const replica = input.replica?.();
    return replica ? { ...report, replica } : report;
  };
  const actions = incidentActions({
    store,
    catalog: input.catalog,
    logger,
    botToken: config.slack.botToken ?? '',
    apiUrl: config.slack.apiUrl,
    alertChannel: config.alertChannel,
    responders: config.slack.responders ?? [],
    dashboardFor: (key) => config.tenants.find((tenant) => tenant.key === key)?.dashboard,
  });
  const app = createSlackApp({
    botToken: config.slack.botToken ?? '',
    appToken: config.slack.appToken,
    signingSecret: config.slack.signingSecret,
    apiUrl: config.slack.apiUrl,
    port: config.port,
    healthPort: config.healthPort,
    logcode: {
      catalog: input.catalog,
      rules: input.rules,
      status: () => readLogcodeStatus(store, tenants),
      defaultChannel: config.alertChannel,
      mutes: {
        list: () => store.listMutes(),
        end: async (id, user) => {
          const ended = await store.endMute(id, user, new Date());
          if (ended) void actions.notes.flush().catch(() => undefined);
          return ended;
        },
      },
    },
    health,
    routes: input.routes,
    logger,
    actions: actions.handlers,
  });
  if (app) {
    if (input.signal?.aborted) return undefined;
    const stopOnAbort = () => void app.stop();
    input.signal?.addEventListener('abort', stopOnAbort, { once: true });
    try {
      const ports = await app.start();
      if (input.signal?.aborted) return undefined;
      actions.notes.start();
      return {
        ...ports,
        receivesActions: true,
        stop: async () => {
          await actions.notes.stop();
          await app.stop();
        },
      };
    } finally {
      input.signal?.removeEventListener('abort', stopOnAbort);
    }
  }
  logger.info(SLASH_COMMAND_DISABLED);
  const servers: ListeningServer[] = [];
  const stop = async () => {
    for (const server of servers.splice(0)) await server.close();
  };
  try {
    const ports = await startSideServers({ port: config.port, healthPort: config.healthPort, health, routes: input.routes, servers, logger });
    return servers.length === 0 ? undefined : { ...ports, stop, receivesActions: false };
  } catch (error) {
    await stop();
    throw error;
  }
}
