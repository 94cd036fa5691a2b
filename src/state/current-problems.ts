import type { Problem, StateStore } from './store.js';

/** How long a log gap stays on show after it was told (it is settled by its notice at once). */
export const LOG_GAP_SHOWN_MS = 7 * 86_400_000;

/**
 * The problems an operator should see now — the open ones, and the log gaps of
 * the last week (a gap is a past event, told once, but worth seeing) — oldest
 * first. Shared by the `status` command and `/logcode status`, so both say the same.
 */
export async function currentProblems(store: StateStore, now: Date): Promise<Problem[]> {
  const since = new Date(now.getTime() - LOG_GAP_SHOWN_MS).toISOString();
  return (await store.listProblems({ includeResolved: true })).filter((p) => p.resolvedAt === null || (p.kind === 'log_gap' && p.openedAt >= since));
}

/** Whether a shown problem needs attention (a log gap only informs). */
export function needsAttention(problem: Pick<Problem, 'kind'>): boolean {
  return problem.kind !== 'log_gap';
}
