import type { ProblemStore } from '../../interface/problems.js';
import type { NoticePosted, Problem, ProblemInput } from '../../store.js';
import { listProblems, openProblem, pendingNotices, recordNotice, resolveProblem } from '../problems.js';
import type { SqliteRun } from './run.js';

/** The ProblemStore part of the SQLite StateStore (see ../store.ts). */
export function sqliteProblems(run: SqliteRun): ProblemStore {
  return {
    async openProblem(problem: ProblemInput, now: Date): Promise<boolean> {
      return run.write(`recording problem ${problem.key}`, () => openProblem(run.db, problem, now.toISOString()));
    },

    async resolveProblem(key: string, now: Date): Promise<boolean> {
      return run.write(`resolving problem ${key}`, () => resolveProblem(run.db, key, now.toISOString()));
    },

    async listProblems(options: { includeResolved?: boolean } = {}): Promise<Problem[]> {
      return listProblems(run.db, options.includeResolved ?? false);
    },

    async pendingNotices(): Promise<Problem[]> {
      return pendingNotices(run.db);
    },

    async recordNotice(key: string, posted: NoticePosted, now: Date): Promise<boolean> {
      return run.write(`recording the notice of problem ${key}`, () => recordNotice(run.db, key, posted, now.toISOString()));
    },
  };
}
