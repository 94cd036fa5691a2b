import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizationMatches } from './auth.js';

export const METRICS_PATH = '/metrics';

export interface MetricsRoute {
  /** METRICS_TOKEN: when set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** The exposition (Prometheus text format) and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export async function writeMetricsResponse(req: IncomingMessage, res: ServerResponse, route: MetricsRoute): Promise<void> {
  if (route.token !== undefined && !authorizationMatches(req.headers.authorization, route.token)) {
    res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain; charset=utf-8' }).end('missing or wrong METRICS_TOKEN\n');
    return;
  }
  try {
    const { contentType, body } = await route.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics could not be collected\n');
  }
}
