import { StateBusyError, StateError } from '../../errors.js';

/** better-sqlite3's SqliteError carries the (extended) result code, e.g. SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE. */
function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * Turns an SQLite failure during a write into our errors: a lock or a full
 * disk passes (StateBusyError, the next cycle retries); a corrupt file or
 * anything else is a StateError, which stops the bot. `what` says which write
 * failed, e.g. "storing the page after checkpoint X of tenant acme".
 */
export function explainWriteError(error: unknown, what: string): StateError {
  if (error instanceof StateError) return error;
  const code = sqliteCode(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StateBusyError(
      `state database is locked by another process (${code}) while ${what}; nothing of it was stored, the next cycle retries (is a backup, a \`status\` or another auth0-log-alerts holding a write lock?)`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL') {
    return new StateBusyError(`the disk holding the state database is full while ${what}; nothing of it was stored, the next cycle retries once space is freed`, {
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StateError(`state database is corrupt (${code}) while ${what}; stop the bot and move the file away to start fresh`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StateError(`state database failed while ${what}: ${code ? `${code} ` : ''}${message}`, { cause: error });
}
