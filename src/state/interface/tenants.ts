import { z } from 'zod';
import type { Alert } from '../../engine/alert.js';
import type { Profile } from '../../engine/profiles.js';

/**
 * Where polling stands and the rule state both intake paths (poll pages, log
 * stream batches) commit: part of StateStore (src/state/store.ts).
 */
export interface TenantStateStore {
  // ── Tenants: where polling stands ──────────────────────────────────────
  readTenant(tenant: string): Promise<TenantState | undefined>;
  /** Every tenant with a row, ordered by key. */
  listTenants(): Promise<NamedTenantState[]>;
  /**
   * The durability point of the bot: the page's alerts, the rule state and the
   * checkpoint, in one transaction, refused (StateBusyError, nothing stored)
   * when the stored checkpoint is not `page.after` — compare-and-set, so two
   * pollers on one state never queue the same events twice.
   */
  commitPage(tenant: string, page: PageCommit): Promise<CommitResult>;
  /** How the last poll cycle went (status, /healthz). */
  recordPollOutcome(tenant: string, outcome: PollOutcome): Promise<void>;

  // ── Intake: evaluated log ids and the rule state both paths share ──────
  /**
   * Which of these log ids the tenant already evaluated, by poll or by log
   * stream (the answer for ids pruned by pruneSeenLogIds is "not seen").
   */
  seenLogIds(tenant: string, logIds: readonly string[]): Promise<Set<string>>;
  /**
   * A log-stream batch: its alerts, the rule state, its log ids (seen from now
   * on) and the delivery time, in one transaction, refused (RuleStateConflictError,
   * nothing stored) when the stored rule-state version is not `ruleStateVersion`.
   * The checkpoint does not move: the poller still pages over these events and skips them.
   */
  commitStreamBatch(tenant: string, batch: StreamCommit): Promise<CommitResult>;
  /** Forgets log ids seen before `before` (older than any tenant's log retention). Returns how many. */
  pruneSeenLogIds(before: Date): Promise<number>;

  // ── Profiles: per-key memory of the profile rule kinds ─────────────────
  /**
   * The stored profiles among these keys (impossible travel: a user's last
   * logins; first-seen values: the values seen for a key). Absent keys are
   * left out. Written by commitPage (`page.profiles`) and commitStreamBatch, with the page or batch.
   */
  loadProfiles(tenant: string, keys: readonly string[]): Promise<Map<string, Profile>>;
  /** Deletes profiles unseen (their newest event) for longer than `retentionMs`; returns how many. */
  pruneProfiles(now: Date, retentionMs?: number): Promise<number>;
}

/**
 * How long evaluated log ids are remembered: Auth0's longest log retention
 * (Enterprise, 30 days). Neither the poller nor a log stream can deliver an
 * event older than the tenant's retention, so an older id can never come back.
 */
export const SEEN_LOG_IDS_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** What a commit of rule state leaves behind. */
export interface CommitResult {
  /** The rule-state version now stored (the next commit's compare-and-set). */
  ruleStateVersion: number;
}

/**
 * A rule state stored in parts, so that a commit writes only what changed: the
 * whole state rewritten as one JSON text per commit (~2 MB after a 200k-event
 * backlog) cost a catch-up a third of its CPU. The store knows nothing of what
 * the parts mean: the state it reads back (TenantState.ruleState) is the header
 * object with member `field` set to the list of parts in index order.
 */
export interface RuleStateParts {
  /** JSON text of an object: the state without `field`. */
  header: string;
  /** The member the parts make up (an array in index order). */
  field: string;
  /** Part index → its JSON text, or null: the part no longer exists. */
  parts: ReadonlyMap<number, string | null>;
  /**
   * true: these are all the parts (any other stored part is removed). false:
   * only the parts changed since the stored version `ruleStateVersion`, which
   * must then be given; refused (RuleStateConflictError, nothing stored) when
   * the stored state is not in parts of this `field` — the writer then reads
   * the state again and commits it complete.
   */
  complete: boolean;
}

/** A log-stream batch, evaluated (see StateStore.commitStreamBatch). */
export interface StreamCommit {
  /** The rule-state version the batch was evaluated on (compare-and-set). */
  ruleStateVersion: number;
  ruleState: unknown;
  ruleStateJson?: string;
  /** The rule state in parts (preferred over ruleStateJson and ruleState when given). */
  ruleStateParts?: RuleStateParts;
  alerts: readonly Alert[];
  /** The batch's evaluated log ids (not those already seen). */
  logIds: readonly string[];
  /** Profiles the batch changed (profile key → profile), stored in the same transaction. */
  profiles?: ReadonlyMap<string, Profile>;
  /** Resolved incidents the evaluator closed before this batch (see pendingResolutions): marked applied with it. */
  resolutionsApplied?: readonly string[];
  defaultChannel: string;
  /** When the batch was received (the tenant's last stream delivery). */
  now?: Date;
}

/** What a tenant's row says about where polling stands. */
export const TenantStateSchema = z.object({
  /** Last log_id fully processed; null before the first page. */
  checkpoint: z.string().nullable(),
  /** Event date of that log, ISO-8601. */
  checkpointDate: z.string().nullable(),
  /** Engine state as stored (parsed JSON); undefined until the first commit of rule state, or when damaged. */
  ruleState: z.unknown(),
  /** The stored rule state is not valid JSON (the poller starts fresh windows and says so). */
  ruleStateDamaged: z.boolean(),
  lastPollAt: z.string().nullable(),
  lastPollOk: z.boolean().nullable(),
  /** Safe message of the last failure. */
  lastPollError: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  /**
   * Bumped by every commit of rule state (poll page or stream batch): the
   * compare-and-set that keeps two writers of one tenant's rule state (the
   * poller and a log-stream request, possibly in other processes) from
   * overwriting each other. 0 before the first commit.
   */
  ruleStateVersion: z.number().int(),
  /** When a log-stream batch was last committed (ISO-8601), null when never. */
  lastStreamAt: z.string().nullable(),
  /** When a poll page last evaluated events (ones no log stream had delivered), null when never. */
  lastPollNewAt: z.string().nullable(),
});
export type TenantState = z.infer<typeof TenantStateSchema>;
export type NamedTenantState = TenantState & { tenant: string };

export interface PageCommit {
  /**
   * The stored checkpoint this page was read after (null: none yet). The commit
   * is refused when the stored one differs: another process committed the same
   * events meanwhile, and committing again would alert on them twice.
   * Undefined only for seeding (tests, tools): then only a checkpoint ahead is refused.
   */
  after?: string | null;
  /** The page's last log_id: everything up to it has been evaluated. */
  checkpoint: string;
  checkpointDate: string | null;
  /** Engine state after the page, JSON-serialisable. */
  ruleState: unknown;
  /**
   * `ruleState` already serialised, when the evaluator can do it cheaper than
   * JSON.stringify (it reuses the text of the parts a page did not change).
   */
  ruleStateJson?: string;
  /** The rule state in parts, only the changed ones (preferred over ruleStateJson and ruleState when given). */
  ruleStateParts?: RuleStateParts;
  alerts: readonly Alert[];
  /** Resolved incidents the evaluator closed before this page (see pendingResolutions): marked applied with it. */
  resolutionsApplied?: readonly string[];
  /** Profiles the page changed (profile key → profile), stored in the same transaction. */
  profiles?: ReadonlyMap<string, Profile>;
  /** Channel of alerts whose rule names none. */
  defaultChannel: string;
  now?: Date;
  /**
   * The rule-state version the pages were evaluated on: the commit is refused
   * (RuleStateConflictError) when another writer (a log-stream batch) committed
   * meanwhile. Undefined: not checked (seeding, tools).
   */
  ruleStateVersion?: number;
  /** The log ids evaluated (seen from now on, so a log stream delivering them again is skipped). */
  logIds?: readonly string[];
}

export interface PollOutcome {
  ok: boolean;
  /** Safe message (a CodedError's message); never a raw transport error. */
  error?: string;
  at?: Date;
}
