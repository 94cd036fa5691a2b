import type { NoticePosted, Problem, ProblemInput } from '../store.js';
import type { StateDb } from './db.js';
import { cachedStatement } from './statements.js';

const COLUMNS = `key, kind, tenant, channel, summary, opened_at AS openedAt, updated_at AS updatedAt, resolved_at AS resolvedAt,
  notice_ts AS noticeTs, notice_channel AS noticeChannel, notice_state AS noticeState`;

/**
 * Opens a problem, or refreshes the sentence of one already open (one notice
 * per problem: an open problem's notice is never due twice). A resolved
 * problem that comes back is a new occurrence with a notice of its own.
 */
export function openProblem(db: StateDb, problem: ProblemInput, now: string): boolean {
  const existing = cachedStatement(db, `SELECT resolved_at AS resolvedAt FROM problems WHERE key = ?`).get(problem.key) as { resolvedAt: string | null } | undefined;
  if (existing && existing.resolvedAt === null) {
    cachedStatement(db, `UPDATE problems SET summary = ?, updated_at = ? WHERE key = ?`).run(problem.summary, now, problem.key);
    return false;
  }
  cachedStatement(
    db,
    `INSERT INTO problems (key, kind, tenant, channel, summary, opened_at, updated_at, notice_state)
     VALUES (@key, @kind, @tenant, @channel, @summary, @now, @now, 'due')
     ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, tenant = excluded.tenant, channel = excluded.channel, summary = excluded.summary,
       opened_at = excluded.opened_at, updated_at = excluded.updated_at, resolved_at = NULL, notice_ts = NULL, notice_channel = NULL, notice_state = 'due'`,
  ).run({ key: problem.key, kind: problem.kind, tenant: problem.tenant ?? null, channel: problem.channel ?? null, summary: problem.summary, now });
  return true;
}

/** Resolves an open problem; a posted notice then owes its "resolved" reply. */
export function resolveProblem(db: StateDb, key: string, now: string): boolean {
  return (
    cachedStatement(
      db,
      `UPDATE problems SET resolved_at = @now, updated_at = @now,
         notice_state = CASE notice_state WHEN 'posted' THEN 'resolve_due' ELSE 'done' END
       WHERE key = @key AND resolved_at IS NULL`,
    ).run({ key, now }).changes > 0
  );
}

export function listProblems(db: StateDb, includeResolved: boolean): Problem[] {
  const sql = includeResolved
    ? `SELECT ${COLUMNS} FROM problems ORDER BY opened_at, key`
    : `SELECT ${COLUMNS} FROM problems WHERE resolved_at IS NULL ORDER BY opened_at, key`;
  return cachedStatement(db, sql).all() as Problem[];
}

export function pendingNotices(db: StateDb): Problem[] {
  return cachedStatement(db, `SELECT ${COLUMNS} FROM problems WHERE notice_state IN ('due', 'resolve_due') ORDER BY updated_at, key`).all() as Problem[];
}

/** Guarded by the state it was read in, so two senders never record one notice twice. */
export function recordNotice(db: StateDb, key: string, posted: NoticePosted, now: string): boolean {
  if (posted.which === 'open') {
    const next = posted.ts === null ? 'logged' : 'posted';
    // A log gap is a past event, not a state: told once, it is settled (no "resolved" reply).
    return (
      cachedStatement(
        db,
        `UPDATE problems SET notice_state = CASE WHEN kind = 'log_gap' THEN 'done' ELSE @next END,
           resolved_at = CASE WHEN kind = 'log_gap' THEN @now ELSE resolved_at END,
           notice_ts = @ts, notice_channel = @channel, updated_at = @now
         WHERE key = @key AND notice_state = 'due'`,
      ).run({ next, ts: posted.ts, channel: posted.channel, now, key }).changes > 0
    );
  }
  return cachedStatement(db, `UPDATE problems SET notice_state = 'done', updated_at = ? WHERE key = ? AND notice_state = 'resolve_due'`).run(now, key).changes > 0;
}

export function pruneProblems(db: StateDb, cutoff: string): number {
  return cachedStatement(db, `DELETE FROM problems WHERE resolved_at IS NOT NULL AND resolved_at < ? AND notice_state IN ('done', 'logged')`).run(cutoff).changes;
}
