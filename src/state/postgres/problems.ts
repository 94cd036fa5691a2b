import type { NoticePosted, Problem, ProblemInput } from '../store.js';
import { iso, type Queryable } from './query.js';
import { cleanText } from './text.js';

// The same life as src/state/sqlite/problems.ts: due → posted | logged →
// resolve_due → done; one notice per open problem, recorded once.

const COLUMNS = `key, kind, tenant, channel, summary, opened_at, updated_at, resolved_at, notice_ts, notice_channel, notice_state`;

interface ProblemRow {
  key: string;
  kind: Problem['kind'];
  tenant: string | null;
  channel: string | null;
  summary: string;
  opened_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  notice_ts: string | null;
  notice_channel: string | null;
  notice_state: Problem['noticeState'];
}

function toProblem(row: ProblemRow): Problem {
  return {
    key: row.key,
    kind: row.kind,
    tenant: row.tenant,
    channel: row.channel,
    summary: row.summary,
    openedAt: iso(row.opened_at)!,
    updatedAt: iso(row.updated_at)!,
    resolvedAt: iso(row.resolved_at),
    noticeTs: row.notice_ts,
    noticeChannel: row.notice_channel,
    noticeState: row.notice_state,
  };
}

/**
 * Opens a problem, or refreshes the sentence of one already open; a resolved
 * problem that comes back is a new occurrence with a notice of its own. The
 * row is locked first, so two replicas opening it at once open it once.
 */
export async function openProblem(db: Queryable, problem: ProblemInput, now: Date): Promise<boolean> {
  const summary = cleanText(problem.summary);
  const refreshed = await db.query(`UPDATE problems SET summary = $2, updated_at = $3 WHERE key = $1 AND resolved_at IS NULL`, [problem.key, summary, now]);
  if ((refreshed.rowCount ?? 0) > 0) return false;
  const opened = await db.query(
    `INSERT INTO problems AS p (key, kind, tenant, channel, summary, opened_at, updated_at, notice_state)
     VALUES ($1, $2, $3, $4, $5, $6, $6, 'due')
     ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, tenant = excluded.tenant, channel = excluded.channel, summary = excluded.summary,
       opened_at = excluded.opened_at, updated_at = excluded.updated_at, resolved_at = NULL, notice_ts = NULL, notice_channel = NULL, notice_state = 'due'
     WHERE p.resolved_at IS NOT NULL`,
    [problem.key, problem.kind, problem.tenant ?? null, problem.channel ?? null, summary, now],
  );
  return (opened.rowCount ?? 0) > 0;
}

export async function resolveProblem(db: Queryable, key: string, now: Date): Promise<boolean> {
  const result = await db.query(
    `UPDATE problems SET resolved_at = $2, updated_at = $2,
       notice_state = CASE notice_state WHEN 'posted' THEN 'resolve_due' ELSE 'done' END
     WHERE key = $1 AND resolved_at IS NULL`,
    [key, now],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function listProblems(db: Queryable, includeResolved: boolean): Promise<Problem[]> {
  const where = includeResolved ? '' : 'WHERE resolved_at IS NULL';
  const { rows } = await db.query<ProblemRow>(`SELECT ${COLUMNS} FROM problems ${where} ORDER BY opened_at, key COLLATE "C"`);
  return rows.map(toProblem);
}

export async function pendingNotices(db: Queryable): Promise<Problem[]> {
  const { rows } = await db.query<ProblemRow>(`SELECT ${COLUMNS} FROM problems WHERE notice_state IN ('due', 'resolve_due') ORDER BY updated_at, key COLLATE "C"`);
  return rows.map(toProblem);
}

/** Guarded by the state it was read in, so two senders never record one notice twice. */
export async function recordNotice(db: Queryable, key: string, posted: NoticePosted, now: Date): Promise<boolean> {
  if (posted.which === 'open') {
    // A log gap is a past event, not a state: told once, it is settled (no "resolved" reply).
    const result = await db.query(
      `UPDATE problems SET notice_state = CASE WHEN kind = 'log_gap' THEN 'done' ELSE $2 END,
         resolved_at = CASE WHEN kind = 'log_gap' THEN $5 ELSE resolved_at END,
         notice_ts = $3, notice_channel = $4, updated_at = $5
       WHERE key = $1 AND notice_state = 'due'`,
      [key, posted.ts === null ? 'logged' : 'posted', posted.ts, posted.channel, now],
    );
    return (result.rowCount ?? 0) > 0;
  }
  const result = await db.query(`UPDATE problems SET notice_state = 'done', updated_at = $2 WHERE key = $1 AND notice_state = 'resolve_due'`, [key, now]);
  return (result.rowCount ?? 0) > 0;
}

export async function pruneProblems(db: Queryable, cutoff: Date): Promise<number> {
  const result = await db.query(`DELETE FROM problems WHERE resolved_at IS NOT NULL AND resolved_at < $1 AND notice_state IN ('done', 'logged')`, [cutoff]);
  return result.rowCount ?? 0;
}
