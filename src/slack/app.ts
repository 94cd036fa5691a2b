// Named imports: Node's ESM loader and vitest agree on these for CommonJS Bolt (not on its default export).
import { App, HTTPReceiver } from '@slack/bolt';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AppConfig } from '../config/index.js';
import type { Catalog } from '../catalog/types.js';
import type { StateStore } from '../state/store.js';
import { createRouter, listen, SLACK_EVENTS_PATH, type BotRoutes, type ListeningServer } from '../http/server.js';
import { HEALTH_PATH, readHealth, scheduleIntervalMs, type HealthReport, type ReplicaHealth } from './health.js';
import { createLogcodeHandler, readLogcodeStatus, type LogcodeDeps, type LogcodeRule } from './logcode.js';
import { toSlackApiError } from './slack-errors.js';
import { settleReconnectsOnStop } from './socket-reconnects.js';
import { toBoltLogger } from './bolt-logger.js';
import { limitedReceiver } from './receiver-limits.js';

/** Moved to ./bolt-logger.ts (Bolt's logger adapter); re-exported for existing importers. */
export { redactTickets } from './bolt-logger.js';
/** Moved to ./receiver-limits.ts (HTTP mode's limits in front of Bolt); re-exported for existing importers. */
export { SLACK_TIMESTAMP_TOLERANCE_S, slackTimestampRefusal } from './receiver-limits.js';
import { createResponderCheck, incidentActions, registerIncidentActions, type IncidentActionDeps } from './actions/index.js';
import type { Dashboard } from './event-fields.js';

/** Every slash command the app registers; `manifest.yml` must declare exactly these. */
export const SLASH_COMMANDS = ['/logcode'] as const;

/** The `action_id`s of the alert's link buttons (`open_auth0_log`, `open_log_code_docs`, `open_runbook`). */
export const LINK_BUTTON_ACTIONS = /^open_/;

/** Said once at start by the caller when `slackAppMode` returns undefined. */
export const SLASH_COMMAND_DISABLED =
  'slash command disabled: set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) to serve /logcode';

export interface SlackAppOptions {
  /** SLACK_BOT_TOKEN (xoxb-…). */
  botToken: string;
  /** SLACK_APP_TOKEN (xapp-…): selects Socket Mode. */
  appToken?: string | undefined;
  /** SLACK_SIGNING_SECRET: HTTP mode, used when no app token is set. */
  signingSecret?: string | undefined;
  /** SLACK_API_URL. @default "https://slack.com/api/" */
  apiUrl?: string | undefined;
  /** PORT for HTTP mode (0 picks a free port). @default 3000 */
  port?: number | undefined;
  /** Interface to listen on. @default all interfaces */
  host?: string | undefined;
  /** HEALTH_PORT: in Socket Mode, serve `GET /healthz` here; unset means no health server. */
  healthPort?: number | undefined;
  /** What `/logcode` reads (command name, logger and the responder check are filled in here). */
  logcode: Omit<LogcodeDeps, 'command' | 'logger' | 'mayAct'>;
  /** Current health; see `assessHealth`. */
  health: () => HealthReport | Promise<HealthReport>;
  /**
   * The bot's other HTTP routes (`/metrics`, `/auth0/log-stream`), served by
   * the same server: on PORT in HTTP mode; in Socket Mode on PORT when a log
   * stream is on, and `/metrics` on HEALTH_PORT too.
   */
  routes?: Pick<BotRoutes, 'metrics' | 'logStream' | 'healthDetail'>;
  logger: Logger;
  /** Acknowledge / Resolve / Mute on alert messages; without it only link buttons are acknowledged. */
  actions?: Omit<IncidentActionDeps, 'mayAct' | 'logger'> & { responders: readonly string[] };
}

export const SLACK_APP_DEFAULTS = { apiUrl: 'https://slack.com/api/', port: 3000 } as const;

export type SlackAppMode = 'socket' | 'http';

type NormalizedOptions = Omit<SlackAppOptions, 'apiUrl' | 'port'> & { apiUrl: string; port: number; mode: SlackAppMode };

/** Socket Mode when an app token is set, else HTTP when a signing secret is set, else no app. */
export function slackAppMode(options: Pick<SlackAppOptions, 'appToken' | 'signingSecret'>): SlackAppMode | undefined {
  if (options.appToken) return 'socket';
  if (options.signingSecret) return 'http';
  return undefined;
}

export function normalizeSlackAppOptions(options: SlackAppOptions): NormalizedOptions | undefined {
  const mode = slackAppMode(options);
  if (!mode) return undefined;
  const problems: string[] = [];
  if (!options.botToken) problems.push('SLACK_BOT_TOKEN is required to serve the slash command');
  if (mode === 'socket' && !options.appToken!.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN must be an app-level token starting with "xapp-" (Basic Information → App-Level Tokens)');
  }
  const port = options.port ?? SLACK_APP_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number, got ${String(port)}`);
  const { healthPort } = options;
  if (healthPort !== undefined && (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535)) {
    problems.push(`HEALTH_PORT must be a port number, got ${String(healthPort)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...options, apiUrl: options.apiUrl || SLACK_APP_DEFAULTS.apiUrl, port, mode };
}

export interface SlackAppHandle {
  mode: SlackAppMode;
  /** Verifies the bot token (auth.test), then listens / connects. Resolves with the ports actually bound. */
  start(): Promise<{ port?: number; healthPort?: number }>;
  stop(): Promise<void>;
}

/**
 * The Bolt app serving `/logcode` (and `/healthz` in HTTP mode). Undefined when neither
 * Socket Mode nor HTTP mode is configured: the caller logs `SLASH_COMMAND_DISABLED` once.
 */
export function createSlackApp(options: SlackAppOptions): SlackAppHandle | undefined {
  const config = normalizeSlackAppOptions(options);
  if (!config) return undefined;
  const logger = config.logger.child({ component: 'slack-app' });
  const boltLogger = toBoltLogger(logger);
  const clientOptions = { slackApiUrl: config.apiUrl, retryConfig: { retries: 2 } };
  // HTTP mode: Bolt's receiver does not listen itself; the bot's one server (src/http/server.ts)
  // hands it POST /slack/events, where it verifies the signature and 5-minute window (401 otherwise).
  // In front of it, hostile-input limits (limitedReceiver): 64 KiB bodies, a sane signature timestamp.
  const receiver =
    config.mode === 'http' ? limitedReceiver(new HTTPReceiver({ signingSecret: config.signingSecret!, endpoints: [SLACK_EVENTS_PATH], logger: boltLogger }), logger) : undefined;
  const app =
    config.mode === 'socket'
      ? new App({ token: config.botToken, appToken: config.appToken, socketMode: true, logger: boltLogger, clientOptions, deferInitialization: true })
      : new App({ token: config.botToken, logger: boltLogger, clientOptions, receiver, deferInitialization: true });
  if (config.mode === 'socket' && !settleReconnectsOnStop(app)) logger.debug('Socket Mode client not reachable: reconnects pending at stop may reject unhandled');

  // SLACK_RESPONDERS guards the buttons and `/logcode unmute` alike.
  const mayAct = createResponderCheck({ responders: config.actions?.responders ?? [], client: app.client, logger });
  const logcode = createLogcodeHandler({ ...config.logcode, command: SLASH_COMMANDS[0], logger, mayAct });
  app.command(SLASH_COMMANDS[0], async ({ command, ack }) => {
    // The reply is built synchronously (catalog in memory, at most one small SQLite read),
    // so acking with it stays far inside Slack's 3 s and needs no response_url call.
    await ack(await logcode(command.text ?? '', { user: command.user_id }));
  });
  if (config.actions) {
    const { responders: _responders, ...handlers } = config.actions;
    registerIncidentActions(app, { ...handlers, logger, mayAct });
  }
  // The alert's link buttons open URLs in the browser, yet Slack still sends their clicks here
  // (block_actions); unacknowledged, the clicker sees a warning icon. Nothing else to do.
  app.action(LINK_BUTTON_ACTIONS, async ({ ack }) => {
    await ack();
  });
  app.error(async (error) => {
    logger.warn({ code: (error as { code?: string }).code, message: error.message }, 'slack app could not handle a request');
  });

  const servers: ListeningServer[] = [];
  let started = false;
  /** Socket Mode's start resolves only once connected; until then it retries forever. */
  let connecting = false;
  /** stop() came first: a start still in progress must not begin listening or keep reconnecting. */
  let stopRequested = false;

  const handle: SlackAppHandle = {
    mode: config.mode,
    async start() {
      try {
        await app.init();
      } catch (error) {
        throw toSlackApiError('auth.test', error);
      }
      if (stopRequested) return {};
      if (config.mode === 'http') {
        const server = await listenOn('PORT', config.port, { health: config.health, slackEvents: receiver!.requestListener, ...config.routes }, config.host);
        servers.push(server);
        if (stopRequested) {
          await handle.stop();
          return {};
        }
        logger.info({ port: server.port, mode: 'http' }, `serving /logcode at POST ${SLACK_EVENTS_PATH}, ${servedPaths(config.routes)} on port ${server.port}`);
        return { port: server.port };
      }
      // The log stream, health and metrics do not wait for Slack: Socket Mode may take a while to connect.
      const ports = await startSideServers({ ...config, servers, logger });
      connecting = true;
      try {
        await app.start();
      } catch (error) {
        for (const server of servers.splice(0)) await server.close();
        // stop() during the connection attempt disconnects the client, which rejects start.
        if (stopRequested) return {};
        throw toSlackApiError('apps.connections.open', error);
      } finally {
        connecting = false;
      }
      started = true;
      if (stopRequested) {
        await handle.stop();
        return {};
      }
      logger.info({ mode: 'socket' }, 'serving /logcode over Socket Mode');
      return ports;
    },
    async stop() {
      stopRequested = true;
      for (const server of servers.splice(0)) await server.close();
      // HTTP mode: Bolt's receiver never listened (the bot's server did), there is nothing of Bolt to stop.
      if (config.mode === 'http') return;
      if (!started && !connecting) return;
      started = false;
      await app.stop().catch((error: unknown) => logger.warn({ message: (error as Error)?.message }, 'slack app did not stop cleanly'));
    },
  };
  return handle;
}

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

/**
 * Without HTTP-mode Slack: the bot's server on PORT when a log stream is on
 * (health, metrics and the stream), and the HEALTH_PORT server when set
 * (health and metrics), as documented for Socket Mode.
 */
async function startSideServers(input: {
  port: number;
  healthPort?: number | undefined;
  host?: string | undefined;
  health: SlackAppOptions['health'];
  routes?: SlackAppOptions['routes'];
  servers: ListeningServer[];
  logger: Logger;
}): Promise<{ port?: number; healthPort?: number }> {
  const { routes, logger } = input;
  const ports: { port?: number; healthPort?: number } = {};
  if (routes?.logStream) {
    const server = await listenOn('PORT', input.port, { health: input.health, ...routes }, input.host);
    input.servers.push(server);
    ports.port = server.port;
    logger.info({ port: server.port }, `serving ${servedPaths(routes)} on PORT ${server.port}`);
  }
  if (input.healthPort !== undefined && !(ports.port !== undefined && input.healthPort === input.port)) {
    const server = await listenOn('HEALTH_PORT', input.healthPort, { health: input.health, healthDetail: routes?.healthDetail, metrics: routes?.metrics }, input.host);
    input.servers.push(server);
    ports.healthPort = server.port;
    logger.info({ healthPort: server.port }, `serving ${servedPaths({ metrics: routes?.metrics })} on HEALTH_PORT ${server.port}`);
  }
  return ports;
}

function listenOn(variable: string, port: number, routes: BotRoutes, host?: string): Promise<ListeningServer> {
  return listen(createRouter(routes), port, host).catch((error: unknown) => {
    throw listenError(variable, port, error);
  });
}

function servedPaths(routes: SlackAppOptions['routes']): string {
  return [HEALTH_PATH, routes?.metrics ? '/metrics' : undefined, routes?.logStream ? '/auth0/log-stream' : undefined].filter(Boolean).join(', ');
}

/** A port we cannot listen on is a configuration problem (exit 2), said in those words. */
function listenError(variable: string, port: number, error: unknown): ConfigError {
  const code = (error as { code?: unknown })?.code;
  if (code === 'EADDRINUSE') return new ConfigError([`${variable} ${port} is already in use by another process`]);
  if (code === 'EACCES') return new ConfigError([`${variable} ${port} needs privileges to listen on; use a port above 1023`]);
  return new ConfigError([`cannot listen on ${variable} ${port}: ${(error as Error)?.message ?? String(error)}`]);
}
