import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs to stderr (stdout is reserved for command output and --json).
 * Synchronous so that a line written just before exit is not lost.
 * The redact list is a last line of defence: code must never pass secrets to
 * the logger in the first place.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
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
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that discards everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
