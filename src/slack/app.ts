// Named imports: Node's ESM loader and vitest agree on these for CommonJS Bolt (not on its default export).
import { App, HTTPReceiver } from '@slack/bolt';
import { SLACK_EVENTS_PATH, type ListeningServer } from '../http/server.js';
import { LINK_BUTTON_ACTIONS, normalizeSlackAppOptions, SLASH_COMMANDS, type SlackAppMode, type SlackAppOptions } from './app-options.js';
import { createResponderCheck, registerIncidentActions } from './actions/index.js';
import { toBoltLogger } from './bolt-logger.js';
import { createLogcodeHandler } from './logcode.js';
import { limitedReceiver } from './receiver-limits.js';
import { listenOn, servedPaths, startSideServers } from './side-servers.js';
import { toSlackApiError } from './slack-errors.js';
import { settleReconnectsOnStop } from './socket-reconnects.js';

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
  // In front of it, hostile-input limits (limitedReceiver): 1 MiB bodies, a sane signature timestamp.
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
