import { StateBusyError, StateError } from '../../errors.js';

/**
 * Failures that pass: the server is unreachable, restarting, out of
 * connections or disk, or our transaction lost a race (serialization,
 * deadlock, a lock or statement timeout). Nothing of the unit of work was
 * stored; the caller retries later (the bot waits and resumes).
 * SQLSTATE classes: 08 connection exception, 53 insufficient resources,
 * 57P0x server shutting down / starting.
 */
const BUSY_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03', '57P05', '25P03', '58030']);
const BUSY_SQLSTATE_CLASSES = ['08', '53'];
const BUSY_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** node-postgres says these without a code when a connection dies or cannot be had in time. */
const BUSY_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|is not queryable|Query read timeout|Client was closed|Cannot use a pool after calling end/i;

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** At start: the server does not answer (exit 1: a supervisor retries), said as such — nothing retries it in-process. */
export function explainPgOpenError(error: unknown, where: string): StateError {
  if (!isTransientPgError(error)) return explainPgError(error, where, 'connecting and migrating the schema');
  const code = errorCode(error);
  const message = (error instanceof Error ? error.message : String(error)) || code || 'no answer';
  return new StateBusyError(`cannot connect to PostgreSQL ${where} (${message}); is the server running, and is DATABASE_URL right?`, { cause: error });
}

/** True when the failure passes (retry later), false when only the operator can fix it. */
export function isTransientPgError(error: unknown): boolean {
  const code = errorCode(error);
  if (BUSY_SQLSTATES.has(code) || BUSY_SOCKET_CODES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code) && BUSY_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  // AggregateError (every address of a host refused) carries the socket codes on its parts.
  const parts = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(parts) && parts.length > 0 && parts.every(isTransientPgError)) return true;
  const message = error instanceof Error ? error.message : '';
  return !code && BUSY_MESSAGES.test(message);
}

/**
 * Turns a PostgreSQL failure into our errors, like the SQLite back end's
 * explainWriteError: transient → StateBusyError (the bot goes on, retries),
 * anything else (wrong password, missing database, permissions, a schema
 * from a newer version) → StateError, which stops the bot. `where` is the
 * host/database (never the password); `what` names the unit of work.
 */
export function explainPgError(error: unknown, where: string, what: string): StateError {
  if (error instanceof StateError) return error;
  const code = errorCode(error);
  const message = (error instanceof Error ? error.message : String(error)) || code || 'unknown error';
  const detail = code && !message.includes(code) ? `${code} ${message}` : message;
  if (isTransientPgError(error)) {
    return new StateBusyError(
      `PostgreSQL ${where} is unavailable or busy (${detail}) while ${what}; nothing of it was stored, retrying once it answers again`,
      { cause: error },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new StateError(`PostgreSQL ${where} refused the login (${detail}); check the user and password in DATABASE_URL`, { cause: error });
  }
  if (code === '3D000') {
    return new StateError(`PostgreSQL ${where}: ${message}; create it, or fix the database name in DATABASE_URL`, { cause: error });
  }
  if (code === '42501') {
    return new StateError(`PostgreSQL ${where}: permission denied while ${what} (${message}); the DATABASE_URL user needs to own its schema`, { cause: error });
  }
  return new StateError(`PostgreSQL ${where} failed while ${what}: ${detail}`, { cause: error });
}
