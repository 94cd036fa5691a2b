import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOG_STREAM_PATH } from '../intake/stream-handler.js';
import { HEALTH_PATH, writeHealthResponse, type HealthDetailRoute, type HealthReport } from '../slack/health.js';
import { METRICS_PATH, writeMetricsResponse, type MetricsRoute } from './metrics-route.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * What the bot's one HTTP server serves. Each route is optional but health:
 * a path whose feature is off answers 404, like any unknown path.
 */
export interface BotRoutes {
  /** `GET /healthz`. */
  health: () => HealthReport | Promise<HealthReport>;
  /** `GET /healthz` with `Authorization: Bearer <METRICS_TOKEN>`: the detailed body (only when METRICS_TOKEN is set). */
  healthDetail?: HealthDetailRoute | undefined;
  /** `GET /metrics` (Prometheus text format). */
  metrics?: MetricsRoute | undefined;
  /** `POST /slack/events`: Bolt's HTTP receiver (signature checks, 3 s acks) in HTTP mode. */
  slackEvents?: RequestListener | undefined;
  /** `POST /auth0/log-stream[/{tenant}]`. */
  logStream?: ((req: IncomingMessage, res: ServerResponse, tenant: string | undefined) => Promise<void>) | undefined;
}

/**
 * The router of the bot's HTTP server: one listener whatever is on, so HTTP-mode
 * Slack, log streams, health and metrics share one port (PORT) and one
 * reverse-proxy entry. Paths are matched exactly (no trailing-slash or case
 * games); the query string is ignored.
 */
export function createRouter(routes: BotRoutes): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return void writeHealthResponse(req, res, routes.health, routes.healthDetail);
    }
    if (path === METRICS_PATH && routes.metrics) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return void writeMetricsResponse(req, res, routes.metrics);
    }
    if (path === SLACK_EVENTS_PATH && routes.slackEvents) return void routes.slackEvents(req, res);
    if (routes.logStream && (path === LOG_STREAM_PATH || path.startsWith(`${LOG_STREAM_PATH}/`))) {
      const tenant = path === LOG_STREAM_PATH ? undefined : path.slice(LOG_STREAM_PATH.length + 1);
      if (tenant !== undefined && (tenant === '' || tenant.includes('/'))) return void notFound(res);
      return void routes.logStream(req, res, tenant).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    }
    notFound(res);
  };
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"not found"}');
}

export interface ListeningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on `port` (0 picks a free one). Header and request timeouts bound
 * how long a slow client may hold a connection (a slowloris cannot pin the
 * process); a log-stream batch of 5 MB still arrives well within them.
 */
export async function listen(listener: RequestListener, port: number, host?: string): Promise<ListeningServer> {
  const server = createServer({ headersTimeout: 20_000, requestTimeout: 60_000 }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
