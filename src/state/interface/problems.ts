import { z } from 'zod';

/** Problems the bot reports about itself: part of StateStore (src/state/store.ts). */
export interface ProblemStore {
  // ── Problems the bot reports about itself ──────────────────────────────
  /** Opens a problem (its notice becomes due) or refreshes an open one; true when newly opened. */
  openProblem(problem: ProblemInput, now: Date): Promise<boolean>;
  /** Resolves an open problem (a posted notice then owes a "resolved" reply); true when it was open. */
  resolveProblem(key: string, now: Date): Promise<boolean>;
  /** Open problems (and resolved ones too when asked), oldest first. */
  listProblems(options?: { includeResolved?: boolean }): Promise<Problem[]>;
  /** Problems whose notice or "resolved" reply is still to be posted. */
  pendingNotices(): Promise<Problem[]>;
  /**
   * The notice (or its reply) was posted — or, `ts: null`, could only be logged; false when another
   * process recorded it first. A log gap (a past event) is settled by its notice: resolved, no reply.
   */
  recordNotice(key: string, posted: NoticePosted, now: Date): Promise<boolean>;
}

export const ProblemKindSchema = z.enum(['polling_failing', 'log_gap', 'dead_channel', 'outbox_backlog', 'stream_silent']);
export type ProblemKind = z.infer<typeof ProblemKindSchema>;

/** What the bot found wrong with itself. `key` names one problem (one notice per key while open). */
export const ProblemInputSchema = z.object({
  key: z.string(),
  kind: ProblemKindSchema,
  tenant: z.string().nullable().optional(),
  /** Where its notice goes; null: the default channel. */
  channel: z.string().nullable().optional(),
  /** One plain sentence for Slack, status and the log; never a secret. */
  summary: z.string(),
});
export type ProblemInput = z.infer<typeof ProblemInputSchema>;

export const ProblemSchema = ProblemInputSchema.extend({
  tenant: z.string().nullable(),
  channel: z.string().nullable(),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
  noticeTs: z.string().nullable(),
  noticeChannel: z.string().nullable(),
  /** due: notice to post; posted; logged (no channel worked); resolve_due: "resolved" reply to post; done. */
  noticeState: z.enum(['due', 'posted', 'logged', 'resolve_due', 'done']),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** The outcome of posting a notice: `ts` null when it could only be logged. */
export type NoticePosted = { which: 'open' | 'resolved'; ts: string | null; channel: string | null };
