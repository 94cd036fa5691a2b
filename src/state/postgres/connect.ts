import pg from 'pg';
import { StateError } from '../../errors.js';

export interface PgOptions {
  /**
   * A schema of its own (created by the caller): tests give each run one, and
   * an operator may too (it becomes the connections' search_path). Default:
   * the server's search_path (usually `public`).
   */
  schema?: string;
  /** Shown to the server as application_name (pg_stat_activity): who holds which connection. */
  applicationName?: string;
  /** Connections per process. @default PG_DEFAULTS.maxConnections */
  maxConnections?: number;
  /** @default PG_DEFAULTS.lockTimeoutMs (tests shorten it) */
  lockTimeoutMs?: number;
}

export const PG_DEFAULTS = {
  /** The poller's tenants, the sender and the lease keeper each hold at most one at a time. */
  maxConnections: 10,
  /** A server that does not answer fails fast (StateBusyError) instead of hanging a cycle. */
  connectTimeoutMs: 5_000,
  /** A row lock held elsewhere (a replica stuck mid-transaction) is waited for this long, then the unit of work is retried later. */
  lockTimeoutMs: 10_000,
  statementTimeoutMs: 60_000,
  /**
   * The server ends a transaction left open this long, releasing its row locks:
   * a replica cut off mid-transaction cannot hold a tenant's row forever.
   */
  idleInTransactionTimeoutMs: 30_000,
} as const;

/**
 * "PostgreSQL host:port/database" — what `status` and the log lines show.
 * Never the user's password (nor the user: a URL may carry secrets in it).
 */
export function describePgUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || 'localhost';
    const port = parsed.port || '5432';
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${port}/${database}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** `postgres://` or `postgresql://`, parsable: the only URLs DATABASE_URL takes. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url) && URL.canParse(url);
}

const INT8_OID = 20;
/** Ids and counts arrive as bigint; ours stay far below 2^53, so they are plain numbers. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A connection pool with the settings a shared state needs: short connect
 * timeout, lock and idle-in-transaction timeouts, TCP keep-alive (a dead peer
 * is noticed), and error listeners — a server restart kills connections,
 * which must not crash the process (the next query reconnects).
 */
export function createPool(url: string, options: PgOptions, onIdleError: (error: Error) => void): pg.Pool {
  if (!isPostgresUrl(url)) throw new StateError('DATABASE_URL is not a postgres:// URL');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? PG_DEFAULTS.maxConnections,
    connectionTimeoutMillis: PG_DEFAULTS.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    lock_timeout: options.lockTimeoutMs ?? PG_DEFAULTS.lockTimeoutMs,
    statement_timeout: PG_DEFAULTS.statementTimeoutMs,
    idle_in_transaction_session_timeout: PG_DEFAULTS.idleInTransactionTimeoutMs,
    application_name: (options.applicationName ?? 'auth0-log-alerts').slice(0, 63),
    ...(options.schema ? { options: `-c search_path=${quoteSearchPath(options.schema)}` } : {}),
    types,
  });
  pool.on('error', onIdleError);
  // A connection that dies while checked out (mid-transaction) emits 'error' on
  // its client too; without a listener that would crash the process. The query
  // in flight fails on its own (StateBusyError) and the client is discarded.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

function quoteSearchPath(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new StateError(`schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _`);
  return schema;
}
