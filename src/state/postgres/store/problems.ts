import type { ProblemStore } from '../../interface/problems.js';
import type { NoticePosted, Problem, ProblemInput } from '../../store.js';
import { listProblems, openProblem, pendingNotices, recordNotice, resolveProblem } from '../problems.js';
import type { PgRun } from './run.js';

/** The ProblemStore part of the PostgreSQL StateStore (see ../store.ts). */
export function pgProblems(run: PgRun): ProblemStore {
  return {
    openProblem(problem: ProblemInput, now: Date): Promise<boolean> {
      return run.write(`recording problem ${problem.key}`, (db) => openProblem(db, problem, now));
    },

    resolveProblem(key: string, now: Date): Promise<boolean> {
      return run.statement(`resolving problem ${key}`, (db) => resolveProblem(db, key, now));
    },

    listProblems(options: { includeResolved?: boolean } = {}): Promise<Problem[]> {
      return run.statement('listing problems', (db) => listProblems(db, options.includeResolved ?? false));
    },

    pendingNotices(): Promise<Problem[]> {
      return run.statement('listing notices to post', (db) => pendingNotices(db));
    },

    recordNotice(key: string, posted: NoticePosted, now: Date): Promise<boolean> {
      return run.statement(`recording the notice of problem ${key}`, (db) => recordNotice(db, key, posted, now));
    },
  };
}
