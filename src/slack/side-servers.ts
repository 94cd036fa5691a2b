import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { createRouter, listen, type BotRoutes, type ListeningServer } from '../http/server.js';
import type { SlackAppOptions } from './app-options.js';
import { HEALTH_PATH } from './health.js';

/**
 * Said at start when neither PORT nor HEALTH_PORT is served (Socket Mode, or no Slack app, without a log
 * stream or HEALTH_PORT): PORT defaults to 3000 and is documented as the bot's server, so a probe of
 * :3000/healthz would otherwise meet a refused connection and nothing in the log.
 */
export const NO_HEALTH_SERVER =
  '/healthz and /metrics are not served: set HEALTH_PORT to serve them (PORT serves them only in HTTP mode or with a log stream, LOG_STREAM_TOKEN)';

/**
 * Without HTTP-mode Slack: the bot's server on PORT when a log stream is on
 * (health, metrics and the stream), and the HEALTH_PORT server when set
 * (health and metrics), as documented for Socket Mode.
 */
export async function startSideServers(input: {
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
  if (ports.port === undefined && ports.healthPort === undefined) logger.info(NO_HEALTH_SERVER);
  return ports;
}

export function listenOn(variable: string, port: number, routes: BotRoutes, host?: string): Promise<ListeningServer> {
  return listen(createRouter(routes), port, host).catch((error: unknown) => {
    throw listenError(variable, port, error);
  });
}

export function servedPaths(routes: SlackAppOptions['routes']): string {
  return [HEALTH_PATH, routes?.metrics ? '/metrics' : undefined, routes?.logStream ? '/auth0/log-stream' : undefined].filter(Boolean).join(', ');
}

/** A port we cannot listen on is a configuration problem (exit 2), said in those words. */
function listenError(variable: string, port: number, error: unknown): ConfigError {
  const code = (error as { code?: unknown })?.code;
  if (code === 'EADDRINUSE') return new ConfigError([`${variable} ${port} is already in use by another process`]);
  if (code === 'EACCES') return new ConfigError([`${variable} ${port} needs privileges to listen on; use a port above 1023`]);
  return new ConfigError([`cannot listen on ${variable} ${port}: ${(error as Error)?.message ?? String(error)}`]);
}
