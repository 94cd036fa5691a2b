import type { IncomingMessage } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import { BODY_LIMITS, limitRequestBodies } from '../http/body-limit.js';
import type { Logger } from '../log.js';

/** Slack's replay window: a signed request is valid within 5 minutes of its timestamp, either way. */
export const SLACK_TIMESTAMP_TOLERANCE_S = 5 * 60;

/**
 * Refuses, from its headers alone, a request whose x-slack-request-timestamp is
 * more than 5 minutes from now — in the past (Bolt checks that too, but only
 * after reading the body) or in the future (Bolt does not). Without the header
 * the receiver decides (Slack's unsigned ssl_check, else 401).
 */
export function slackTimestampRefusal(req: IncomingMessage, nowMs: number = Date.now()): { status: number; reason: string } | undefined {
  const header = req.headers['x-slack-request-timestamp'];
  if (header === undefined) return undefined;
  const seconds = typeof header === 'string' && /^\d{1,12}$/.test(header) ? Number(header) : NaN;
  if (Number.isNaN(seconds)) return { status: 401, reason: 'invalid x-slack-request-timestamp' };
  if (Math.abs(nowMs / 1000 - seconds) > SLACK_TIMESTAMP_TOLERANCE_S) return { status: 401, reason: 'x-slack-request-timestamp too far from now' };
  return undefined;
}

/**
 * Bolt's HTTPReceiver reads a whole body before verifying its signature; in
 * front of it every POST is held to BODY_LIMITS.slackEvents (413 without reading
 * the rest) and to Slack's timestamp window, and reaches Bolt already read.
 * Self-contained: only `requestListener` is replaced.
 */
export function limitedReceiver(receiver: HTTPReceiver, logger: Logger): HTTPReceiver {
  receiver.requestListener = limitRequestBodies(receiver.requestListener, {
    maxBytes: BODY_LIMITS.slackEvents,
    applies: (req) => req.method === 'POST',
    precheck: (req) => slackTimestampRefusal(req),
    onRefuse: (req, status, reason) =>
      logger.warn({ status, path: (req.url ?? '').split('?')[0]!.slice(0, 100), reason }, `refused an HTTP request (${status}): ${reason}`),
  });
  return receiver;
}
