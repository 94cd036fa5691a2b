import type pg from 'pg';

/** A pool (one statement, autocommit) or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** timestamptz columns arrive as Dates; the interface speaks ISO-8601. */
export function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}
