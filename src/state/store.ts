import { z } from 'zod';
import { AlertSchema, type Alert } from '../engine/alert.js';
import type { IncidentActionRequest, IncidentActionResult, IncidentControls, Mute, ThreadNote, ThreadNoteOutcome } from './controls.js';
import type { Profile } from '../engine/profiles.js';

/**
 * The one interface to the bot's durable state: tenants' positions, the outbox,
 * incidents. Two back ends implement it — SQLite (`src/state/sqlite/`) and
 * later PostgreSQL — and `test/state/store-contract.ts` holds both to the same
 * behaviour.
 *
 * Every method is ONE unit of work: its implementation runs its own
 * transaction and resolves once that transaction committed (or rejects with
 * nothing of it stored). No callback crosses the interface, so a back end
 * whose transactions are asynchronous (PostgreSQL) implements it as easily as
 * a synchronous one. Errors: a StateBusyError (a lock held elsewhere, a full
 * disk, a dropped connection) passes — the caller retries later; any other
 * StateError (corrupt, newer schema, a checkpoint moved by another process)
 * stops the bot.
 */
export interface StateStore {
  /** Which back end, and where (a path; never a password): for `status` and log lines. */
  readonly description: string;

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

  // ── Outbox: alerts waiting for Slack ───────────────────────────────────
  /** Queues alerts without moving a checkpoint (demo, tools, tests); the poller uses commitPage. */
  enqueueAlerts(tenant: string, alerts: readonly Alert[], defaultChannel: string, now?: Date): Promise<void>;
  /** Channels with pending rows and how many each has, oldest queue first. */
  pendingChannels(): Promise<ChannelCount[]>;
  /** The oldest pending rows of one channel, in queue order; rows that no longer decode are listed apart. */
  pendingRows(channel: string, limit: number): Promise<PendingRows>;
  /** How many rows are pending and when the oldest was queued (backlog notices). */
  pendingStats(): Promise<PendingStats>;
  /**
   * Slack said ok: the rows become sent with the message's ts and each row's
   * incident is noted (its thread parent when `parent`), in one transaction.
   */
  recordDelivery(delivery: DeliveryRecord, now: Date): Promise<void>;
  /** A permanent failure of these rows: kept as failed (status), retried by requeueFailed. */
  markFailed(ids: readonly number[], error: string): Promise<void>;
  /** A transient failure: the rows stay pending, an attempt is counted. */
  recordAttempt(ids: readonly number[], error: string): Promise<void>;
  /** Notes why every pending row waits (a rejected token) without failing them; returns how many. */
  notePendingError(error: string): Promise<number>;
  /** The channel itself is unusable: every pending row of it fails. Returns how many. */
  failChannel(channel: string, error: string): Promise<number>;
  /**
   * Failed rows get another chance (the configuration may be fixed) — except
   * those failed `deadAfterAttempts` times or queued before `deadBefore`: they
   * become dead (kept, counted, pruned by retention), never tried again.
   */
  requeueFailed(policy?: DeadLetterPolicy): Promise<Requeued>;
  /** Per channel counts and latest errors, for `status` and `/logcode status`. */
  outboxSummary(): Promise<ChannelSummary[]>;

  // ── Incidents: where an incident's thread lives ────────────────────────
  getIncident(incident: string): Promise<IncidentRecord | undefined>;
  /** Incidents that already have a channel message (a thread to reply under), among these. */
  threadedIncidents(incidents: readonly string[]): Promise<Set<string>>;
  /** Forgets the incident's thread (its parent was deleted, or its channel is dead): the next channel message becomes the parent. */
  clearIncidentThread(incident: string): Promise<void>;
  /** Status of the newest row that opens the incident (its channel message), if any. */
  incidentAlertStatus(incident: string): Promise<OutboxStatus | undefined>;
  /** The delivered alert that opened the incident and its ts (to re-render the parent). */
  incidentAlert(incident: string): Promise<IncidentParent | undefined>;

  // ── Profiles: per-key memory of the profile rule kinds ─────────────────
  /**
   * The stored profiles among these keys (impossible travel: a user's last
   * logins; first-seen values: the values seen for a key). Absent keys are
   * left out. Written by commitPage (`page.profiles`) and commitStreamBatch, with the page or batch.
   */
  loadProfiles(tenant: string, keys: readonly string[]): Promise<Map<string, Profile>>;
  /** Deletes profiles unseen (their newest event) for longer than `retentionMs`; returns how many. */
  pruneProfiles(now: Date, retentionMs?: number): Promise<number>;

  // ── One writer per channel ─────────────────────────────────────────────
  /**
   * Takes the right to post to `channel` until `now + ttlMs`, unless another
   * owner holds an unexpired lease. Every process (and, with PostgreSQL, every
   * replica) delivering the outbox takes a channel's lease before reading its
   * rows and renews it before each Slack call, so two never post the same row.
   * `takeOverFrom`: that owner is known to be dead (a killed process on this
   * host): its lease is taken at once instead of waiting for it to expire.
   */
  acquireChannelLease(channel: string, owner: string, ttlMs: number, now: Date, options?: { takeOverFrom?: string }): Promise<LeaseResult>;
  /** Extends the lease while it is still ours (false: another owner took it — stop at once). */
  renewChannelLease(channel: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseChannelLease(channel: string, owner: string): Promise<void>;

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
  // ── Acknowledge / Resolve / Mute (src/state/controls.ts) ──────────────
  /** One click: the state change and the audit thread reply it owes, in one transaction. */
  recordIncidentAction(request: IncidentActionRequest): Promise<IncidentActionResult>;
  /** Who acknowledged / resolved the incident, and the mutes covering it; undefined for an unknown incident. */
  incidentControls(incident: string): Promise<IncidentControls | undefined>;
  /** Resolved incidents of the tenant the engine has not closed yet; a page commit marks them (PageCommit.resolutionsApplied). */
  pendingResolutions(tenant: string): Promise<string[]>;
  /** Active mutes (all, ended too, with `{ active: false }`), oldest first. */
  listMutes(options?: { active?: boolean }): Promise<Mute[]>;
  /**
   * Ends a mute now (`/logcode unmute`) and releases what it held; undefined
   * when it had already ended. Mutes also end by event time inside commitPage,
   * and by wall time in endOverdueMutes.
   */
  endMute(id: number, by: string, now: Date): Promise<Mute | undefined>;
  /** Ends the mutes whose wall-clock end is MUTE_WALL_GRACE_MS past. */
  endOverdueMutes(now: Date): Promise<Mute[]>;
  /** Thread replies still owed (audit lines, mute ends) that nobody holds a claim on. */
  dueThreadNotes(now: Date, limit: number): Promise<ThreadNote[]>;
  /** Takes a note for `owner` until `until` (false: another process has it, or it was posted). */
  claimThreadNote(id: number, owner: string, now: Date, until: Date): Promise<boolean>;
  recordThreadNote(id: number, outcome: ThreadNoteOutcome): Promise<void>;

  // ── Replicas and tenant leases: one poller per tenant ──────────────────
  // Judged by the database's clock (PostgreSQL: now(); SQLite, one process per
  // file: the process's), never by a replica's own: a replica whose clock is
  // wrong cannot take a tenant early. See src/cluster/.
  /**
   * Announces this replica alive for `ttlMs` more; returns every replica alive
   * now, this one included, oldest first: a replica takes at most
   * ceil(tenants / replicas alive) tenants.
   */
  heartbeatReplica(replica: ReplicaAnnouncement, ttlMs: number): Promise<ReplicaRecord[]>;
  /** The replicas alive now (by the database's clock), oldest first, without announcing anyone (status). */
  listReplicas(): Promise<ReplicaRecord[]>;
  /** A replica stopping: its heartbeat and every tenant lease it holds go, so others take over at once. */
  retireReplica(replica: string): Promise<void>;
  /** Takes the tenant for `owner` for `ttlMs` when no one holds it, its lease ran out, or it is already `owner`'s. */
  acquireTenantLease(tenant: string, owner: string, ttlMs: number): Promise<TenantLeaseResult>;
  /**
   * Extends every lease `owner` still holds by `ttlMs` (from now); returns the
   * tenants renewed. A lease past its expiry is renewed as long as no one else
   * took it; a tenant missing from the answer was taken: stop polling it.
   */
  renewTenantLeases(owner: string, ttlMs: number): Promise<string[]>;
  releaseTenantLease(tenant: string, owner: string): Promise<void>;
  /** Who holds which tenant (status, /healthz), ordered by tenant; expired leases included, marked. */
  listTenantLeases(): Promise<TenantLease[]>;

  // ── Maintenance ─────────────────────────────────────────────────────────
  /** Deletes delivered rows and quiet incidents older than `retentionMs` (rules in RETENTION_MS). */
  pruneDelivered(now: Date, retentionMs?: number): Promise<Pruned>;
  close(): Promise<void>;

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

/** A log-stream batch, evaluated (see StateStore.commitStreamBatch). */
export interface StreamCommit {
  /** The rule-state version the batch was evaluated on (compare-and-set). */
  ruleStateVersion: number;
  ruleState: unknown;
  ruleStateJson?: string;
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

/**
 * How long delivered alerts and quiet incidents are kept. A week covers what
 * the rows are still read for — `status` history, threading the repeats of an
 * incident under its message, re-rendering that message's running count — for
 * every default rule (throttles of hours, at most a day); without a bound, the
 * state file grows by every alert ever sent. Pending and failed rows are never
 * pruned: they are not delivered yet; dead rows (failed for good) go once they
 * were queued longer ago than the period, resolved problems once settled. An incident is kept while it was updated
 * within the period or has a row not yet delivered, and so are the rows of such
 * incidents and rows sharing a message ts with them (a digest parent).
 */
export const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

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

/** pending → sent; pending → failed → pending (requeued) …; failed → dead after bounded attempts or age. */
export const OutboxStatusSchema = z.enum(['pending', 'sent', 'failed', 'dead']);
export type OutboxStatus = z.infer<typeof OutboxStatusSchema>;

/** One queued alert, decoded. */
export const OutboxRowSchema = z.object({
  id: z.number().int(),
  tenant: z.string(),
  channel: z.string(),
  /** `muted`: a repeat held by a mute that has ended; posted as the mute's summary reply. */
  kind: z.enum(['alert', 'repeat', 'muted']),
  ruleId: z.string(),
  incident: z.string(),
  alert: AlertSchema,
  attempts: z.number().int(),
});
export type OutboxRow = z.infer<typeof OutboxRowSchema>;

export interface PendingStats {
  count: number;
  /** ISO-8601; null when nothing is pending. */
  oldestAt: string | null;
}

export interface PendingRows {
  rows: OutboxRow[];
  /** Rows whose stored alert no longer decodes (the sender fails them, never drops them silently). */
  unreadable: { id: number; problem: string }[];
}

export const ChannelCountSchema = z.object({ channel: z.string(), pending: z.number().int() });
export type ChannelCount = z.infer<typeof ChannelCountSchema>;

export const ChannelSummarySchema = z.object({
  channel: z.string(),
  pending: z.number().int(),
  failed: z.number().int(),
  sent: z.number().int(),
  /** Failed for good (too many attempts, or too old): kept for status until pruned. */
  dead: z.number().int(),
  oldestPendingAt: z.string().nullable(),
  /** The latest error of a failed row. */
  lastError: z.string().nullable(),
  /** The latest error noted on a still-pending row (a transient failure, a rejected token). */
  pendingError: z.string().nullable(),
});
export type ChannelSummary = z.infer<typeof ChannelSummarySchema>;

/** Where an incident's channel message lives, and how many events it has reported. */
export const IncidentRecordSchema = z.object({
  incident: z.string(),
  tenant: z.string(),
  ruleId: z.string(),
  channel: z.string(),
  /** The incident's channel message (thread parent); kept once set. */
  messageTs: z.string().nullable(),
  /** Events reported so far. */
  count: z.number().int(),
});
export type IncidentRecord = z.infer<typeof IncidentRecordSchema>;

export interface IncidentParent {
  alert: Alert;
  messageTs: string | null;
  /** The ts is shared with other incidents: the parent is a digest, never re-rendered as one alert. */
  sharedTs: boolean;
  /** Acknowledged / resolved / muted, as the re-rendered message shows it. */
  controls?: IncidentControls;
}

/** What one Slack message delivered. */
export interface DeliveryRecord {
  rows: ReadonlyArray<Pick<OutboxRow, 'id' | 'tenant' | 'ruleId' | 'incident'> & { alert: Pick<Alert, 'count' | 'incidentCount'> }>;
  /** The ts and channel id Slack answered with (null ts: Slack said ok without one; nothing threads under it). */
  messageTs: string | null;
  channel: string;
  /**
   * The message is a channel message (alert, digest, standalone repeat): it
   * becomes the thread parent of incidents that have none. False for thread replies.
   */
  parent: boolean;
}

export interface Pruned {
  outbox: number;
  incidents: number;
  /** Resolved problems whose notices are settled. */
  problems: number;
}

export interface DeadLetterPolicy {
  deadAfterAttempts: number;
  /** Rows queued before this instant die instead of being retried. */
  deadBefore: Date;
}

export interface Requeued {
  requeued: number;
  dead: number;
}

export type LeaseResult = { held: true } | { held: false; owner: string; expiresAt: Date };

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

/** What a replica says about itself when it announces itself. */
export interface ReplicaAnnouncement {
  /** REPLICA_ID, or host:pid:random. */
  id: string;
  host: string;
  pid: number;
}

export const ReplicaRecordSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  expiresAt: z.string(),
});
export type ReplicaRecord = z.infer<typeof ReplicaRecordSchema>;

export type TenantLeaseResult = { held: true; expiresAt: string } | { held: false; owner: string; expiresAt: string };

export const TenantLeaseSchema = z.object({
  tenant: z.string(),
  owner: z.string(),
  acquiredAt: z.string(),
  expiresAt: z.string(),
  /** Past its expiry by the database's clock: any replica may take it. */
  expired: z.boolean(),
});
export type TenantLease = z.infer<typeof TenantLeaseSchema>;
