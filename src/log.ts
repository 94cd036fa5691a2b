import { pino, type Logger } from 'pino';
import { scrubText } from './secrets.js';
import { withoutControls } from './slack/escape.js';

export type { Logger };

/**
 * Structured logs to stderr (stdout is reserved for command output and --json).
 * Synchronous so that a line written just before exit is not lost.
 * The redact list and the scrubbing of every string (message and fields, against
 * the registered secrets and credential shapes) are a last line of defence:
 * code must never pass secrets to the logger in the first place.
 */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination: pino.DestinationStream = pino.destination({ fd: 2, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: undefined,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => scrubbed(arg, 0)) as Parameters<typeof method>);
        },
      },
      redact: {
        paths: [
          'clientSecret',
          'client_secret',
          'token',
          'accessToken',
          'access_token',
          'authorization',
          '*.clientSecret',
          '*.client_secret',
          '*.token',
          '*.accessToken',
          '*.access_token',
          '*.authorization',
          'headers',
          '*.headers',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Longest string field or message in a log line. */
const MAX_LOG_TEXT = 4_000;

/**
 * Strings scrubbed, cut and made inert; plain objects and arrays walked a few levels deep (log fields
 * are shallow). JSON escapes C0 controls but writes C1 controls (U+009B is a CSI) and bidi overrides
 * as they are, and a log line holds what a stranger sent (the tenant name in a log-stream URL): they
 * are shown as U+FFFD, so a line read in a terminal cannot be reordered or drive the terminal.
 */
function scrubbed(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return withoutControls(scrubText(value, MAX_LOG_TEXT));
  if (value instanceof Error) return { type: value.name, message: withoutControls(scrubText(value.message, MAX_LOG_TEXT)) };
  if (value === null || typeof value !== 'object' || depth >= 3) return value;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => scrubbed(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrubbed(item, depth + 1);
  return out;
}

/** A logger that discards everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
