import type { Logger as BoltLogger, LogLevel as BoltLogLevel } from '@slack/bolt';
import type { Logger } from '../log.js';

/** Bolt logs through this: messages only, and an Error becomes its name and message (never its request data). */
export function toBoltLogger(logger: Logger): BoltLogger {
  const text = (parts: unknown[]): string =>
    redactTickets(
      parts.map((part) => (part instanceof Error ? `${part.name}: ${part.message}` : typeof part === 'string' ? part : describeValue(part))).join(' '),
    );
  let level = 'info' as BoltLogLevel;
  return {
    debug: (...parts: unknown[]) => logger.debug(text(parts)),
    info: (...parts: unknown[]) => logger.info(text(parts)),
    warn: (...parts: unknown[]) => logger.warn(text(parts)),
    error: (...parts: unknown[]) => logger.error(text(parts)),
    // pino's level stays in charge; Bolt only asks.
    setLevel: (next: BoltLogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** The Socket Mode URL carries a connection ticket (a short-lived credential): never logged. */
export function redactTickets(text: string): string {
  return text.replace(/ticket=[^&"'\s]+/g, 'ticket=[redacted]');
}

/** Objects Bolt hands to its logger may hold request data; only their kind is logged. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return `[${value.constructor?.name ?? 'object'}]`;
}
