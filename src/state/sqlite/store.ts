import type { Alert } from '../../engine/alert.js';
import type {
  ChannelCount,
  ChannelSummary,
  CommitResult,
  DeadLetterPolicy,
  DeliveryRecord,
  IncidentParent,
  IncidentRecord,
  LeaseResult,
  NamedTenantState,
  NoticePosted,
  OutboxStatus,
  PageCommit,
  PendingRows,
  PendingStats,
  PollOutcome,
  Problem,
  ProblemInput,
  Pruned,
  ReplicaAnnouncement,
  ReplicaRecord,
  Requeued,
  StateStore,
  TenantLease,
  TenantLeaseResult,
  StreamCommit,
  TenantState,
} from '../store.js';
import type { IncidentActionRequest, IncidentActionResult, IncidentControls, Mute, ThreadNote, ThreadNoteOutcome } from '../controls.js';
import { incidentControls, pendingResolutions, recordIncidentAction } from './incident-actions.js';
import { endMute, endOverdueMutes } from './mute-holds.js';
import { listMutes } from './mutes.js';
import { claimThreadNote, dueThreadNotes, recordThreadNote } from './thread-notes.js';
import { openStateDb, type StateDb } from './db.js';
import { explainWriteError } from './errors.js';
import { clearIncidentThread, getIncident, recordIncident } from './incidents.js';
import { acquireLease, releaseLease, renewLease } from './leases.js';
import {
  enqueueAlerts,
  failChannel,
  incidentAlert,
  incidentAlertStatus,
  markFailed,
  markSent,
  notePendingError,
  outboxSummary,
  pendingChannels,
  pendingRows,
  pendingStats,
  recordAttempt,
  requeueFailed,
} from './outbox.js';
import { listProblems, openProblem, pendingNotices, recordNotice, resolveProblem } from './problems.js';
import { pruneDelivered } from './retention.js';
import { pruneSeenLogIds, seenLogIds } from './seen-log-ids.js';
import { commitPage, commitStreamBatch, listTenantStates, readTenantState, recordPollOutcome } from './tenant-state.js';
import { loadProfiles, pruneProfiles } from './profiles.js';
import type { Profile } from '../../engine/profiles.js';
import {
  acquireTenantLease,
  heartbeatReplica,
  listReplicas,
  listTenantLeases,
  releaseTenantLease,
  renewTenantLeases,
  retireReplica,
} from './tenant-leases.js';

/**
 * The SQLite back end (better-sqlite3, one file, WAL, synchronous=FULL).
 * better-sqlite3 is synchronous: each method runs its transaction to the end
 * before it returns the promise, so no other call can interleave inside it —
 * and writes take the lock first (BEGIN IMMEDIATE), so another process's
 * lock is waited out (busy_timeout) instead of failing half-way.
 */
export class SqliteStateStore implements StateStore {
  readonly description: string;

  /** `db` is the raw handle: for this back end's own tests and migrations only. */
  constructor(
    readonly db: StateDb,
    readonly path: string,
  ) {
    this.description = `SQLite ${path}`;
  }

  static open(path: string): SqliteStateStore {
    return new SqliteStateStore(openStateDb(path), path);
  }

  /** A write in one IMMEDIATE transaction, its failure classified (busy/full passes, corrupt stops). */
  #write<T>(what: string, work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw explainWriteError(error, what);
    }
  }

  async readTenant(tenant: string): Promise<TenantState | undefined> {
    return readTenantState(this.db, tenant);
  }

  async listTenants(): Promise<NamedTenantState[]> {
    return listTenantStates(this.db);
  }

  async commitPage(tenant: string, page: PageCommit): Promise<CommitResult> {
    return commitPage(this.db, tenant, page);
  }

  async recordPollOutcome(tenant: string, outcome: PollOutcome): Promise<void> {
    recordPollOutcome(this.db, tenant, outcome);
  }

  async enqueueAlerts(tenant: string, alerts: readonly Alert[], defaultChannel: string, now?: Date): Promise<void> {
    this.#write(`queuing alerts of tenant ${tenant}`, () => enqueueAlerts(this.db, tenant, alerts, defaultChannel, now));
  }

  async pendingChannels(): Promise<ChannelCount[]> {
    return pendingChannels(this.db);
  }

  async pendingRows(channel: string, limit: number): Promise<PendingRows> {
    return pendingRows(this.db, channel, limit);
  }

  async pendingStats(): Promise<PendingStats> {
    return pendingStats(this.db);
  }

  async recordDelivery(delivery: DeliveryRecord, now: Date): Promise<void> {
    this.#write(`recording the delivery of message ${delivery.messageTs ?? '(no ts)'} in ${delivery.channel}`, () => {
      markSent(
        this.db,
        delivery.rows.map((row) => row.id),
        delivery.messageTs,
        now,
      );
      for (const row of delivery.rows) {
        // Threads live under the first message that reported the incident: an
        // alert, a digest, or a standalone repeat; replies never become parents.
        recordIncident(
          this.db,
          {
            incident: row.incident,
            tenant: row.tenant,
            ruleId: row.ruleId,
            channel: delivery.channel,
            messageTs: delivery.parent ? delivery.messageTs : null,
            added: row.alert.count,
            atLeast: row.alert.incidentCount,
          },
          now,
        );
      }
    });
  }

  async markFailed(ids: readonly number[], error: string): Promise<void> {
    this.#write('marking outbox rows failed', () => markFailed(this.db, ids, error));
  }

  async recordAttempt(ids: readonly number[], error: string): Promise<void> {
    this.#write('counting a delivery attempt', () => recordAttempt(this.db, ids, error));
  }

  async notePendingError(error: string): Promise<number> {
    return this.#write('noting why alerts wait', () => notePendingError(this.db, error));
  }

  async failChannel(channel: string, error: string): Promise<number> {
    return this.#write(`marking the alerts of ${channel} failed`, () => failChannel(this.db, channel, error));
  }

  async requeueFailed(policy?: DeadLetterPolicy): Promise<Requeued> {
    return this.#write('retrying failed alerts', () => requeueFailed(this.db, policy));
  }

  async outboxSummary(): Promise<ChannelSummary[]> {
    return outboxSummary(this.db);
  }

  async getIncident(incident: string): Promise<IncidentRecord | undefined> {
    return getIncident(this.db, incident);
  }

  async threadedIncidents(incidents: readonly string[]): Promise<Set<string>> {
    const threaded = new Set<string>();
    for (const incident of new Set(incidents)) if (getIncident(this.db, incident)?.messageTs) threaded.add(incident);
    return threaded;
  }

  async clearIncidentThread(incident: string): Promise<void> {
    this.#write(`forgetting the thread of incident ${incident}`, () => clearIncidentThread(this.db, incident));
  }

  async acquireChannelLease(channel: string, owner: string, ttlMs: number, now: Date, options: { takeOverFrom?: string } = {}): Promise<LeaseResult> {
    return this.#write(`taking the delivery lease of ${channel}`, () => acquireLease(this.db, channel, owner, ttlMs, now.getTime(), options.takeOverFrom));
  }

  async renewChannelLease(channel: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    return this.#write(`renewing the delivery lease of ${channel}`, () => renewLease(this.db, channel, owner, ttlMs, now.getTime()));
  }

  async releaseChannelLease(channel: string, owner: string): Promise<void> {
    this.#write(`releasing the delivery lease of ${channel}`, () => releaseLease(this.db, channel, owner));
  }

  async openProblem(problem: ProblemInput, now: Date): Promise<boolean> {
    return this.#write(`recording problem ${problem.key}`, () => openProblem(this.db, problem, now.toISOString()));
  }

  async resolveProblem(key: string, now: Date): Promise<boolean> {
    return this.#write(`resolving problem ${key}`, () => resolveProblem(this.db, key, now.toISOString()));
  }

  async listProblems(options: { includeResolved?: boolean } = {}): Promise<Problem[]> {
    return listProblems(this.db, options.includeResolved ?? false);
  }

  async pendingNotices(): Promise<Problem[]> {
    return pendingNotices(this.db);
  }

  async recordNotice(key: string, posted: NoticePosted, now: Date): Promise<boolean> {
    return this.#write(`recording the notice of problem ${key}`, () => recordNotice(this.db, key, posted, now.toISOString()));
  }

  async incidentAlertStatus(incident: string): Promise<OutboxStatus | undefined> {
    return incidentAlertStatus(this.db, incident);
  }

  async incidentAlert(incident: string): Promise<IncidentParent | undefined> {
    const parent = incidentAlert(this.db, incident);
    const controls = parent ? incidentControls(this.db, incident) : undefined;
    // Only an incident someone acted on carries controls: the others render as before.
    const acted = controls && (controls.ackedBy || controls.resolvedBy || controls.mutes.length > 0);
    return parent && acted ? { ...parent, controls } : parent;
  }

  async recordIncidentAction(request: IncidentActionRequest): Promise<IncidentActionResult> {
    return this.#write(`recording ${request.action} from Slack`, () => recordIncidentAction(this.db, request));
  }

  async incidentControls(incident: string): Promise<IncidentControls | undefined> {
    return incidentControls(this.db, incident);
  }

  async pendingResolutions(tenant: string): Promise<string[]> {
    return pendingResolutions(this.db, tenant);
  }

  async listMutes(options?: { active?: boolean }): Promise<Mute[]> {
    return listMutes(this.db, options);
  }

  async endMute(id: number, by: string, now: Date): Promise<Mute | undefined> {
    return this.#write(`ending mute ${id}`, () => endMute(this.db, id, { reason: 'unmuted', by }, now));
  }

  async endOverdueMutes(now: Date): Promise<Mute[]> {
    return this.#write('ending overdue mutes', () => endOverdueMutes(this.db, now));
  }

  async dueThreadNotes(now: Date, limit: number): Promise<ThreadNote[]> {
    return dueThreadNotes(this.db, now.getTime(), limit);
  }

  async claimThreadNote(id: number, owner: string, now: Date, until: Date): Promise<boolean> {
    return this.#write('claiming a thread reply', () => claimThreadNote(this.db, id, owner, now.getTime(), until.getTime()));
  }

  async recordThreadNote(id: number, outcome: ThreadNoteOutcome): Promise<void> {
    this.#write('recording a thread reply', () => recordThreadNote(this.db, id, outcome));
  }

  async loadProfiles(tenant: string, keys: readonly string[]): Promise<Map<string, Profile>> {
    return loadProfiles(this.db, tenant, keys);
  }

  async pruneProfiles(now: Date, retentionMs?: number): Promise<number> {
    return this.#write('forgetting profiles unseen for long', () => pruneProfiles(this.db, now, retentionMs));
  }

  // The "database clock" of a file one process writes at a time is that process's clock.
  async heartbeatReplica(replica: ReplicaAnnouncement, ttlMs: number): Promise<ReplicaRecord[]> {
    return this.#write('announcing this replica', () => heartbeatReplica(this.db, replica, ttlMs, Date.now()));
  }

  async listReplicas(): Promise<ReplicaRecord[]> {
    return listReplicas(this.db, Date.now());
  }

  async retireReplica(replica: string): Promise<void> {
    this.#write('retiring this replica', () => retireReplica(this.db, replica));
  }

  async acquireTenantLease(tenant: string, owner: string, ttlMs: number): Promise<TenantLeaseResult> {
    return this.#write(`taking the lease of tenant ${tenant}`, () => acquireTenantLease(this.db, tenant, owner, ttlMs, Date.now()));
  }

  async renewTenantLeases(owner: string, ttlMs: number): Promise<string[]> {
    return this.#write('renewing tenant leases', () => renewTenantLeases(this.db, owner, ttlMs, Date.now()));
  }

  async releaseTenantLease(tenant: string, owner: string): Promise<void> {
    this.#write(`releasing the lease of tenant ${tenant}`, () => releaseTenantLease(this.db, tenant, owner));
  }

  async listTenantLeases(): Promise<TenantLease[]> {
    return listTenantLeases(this.db, Date.now());
  }

  async pruneDelivered(now: Date, retentionMs?: number): Promise<Pruned> {
    return this.#write('pruning delivered alerts', () => pruneDelivered(this.db, now, retentionMs));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async seenLogIds(tenant: string, logIds: readonly string[]): Promise<Set<string>> {
    return seenLogIds(this.db, tenant, logIds);
  }

  async commitStreamBatch(tenant: string, batch: StreamCommit): Promise<CommitResult> {
    return commitStreamBatch(this.db, tenant, batch);
  }

  async pruneSeenLogIds(before: Date): Promise<number> {
    return this.#write('forgetting old log ids', () => pruneSeenLogIds(this.db, before));
  }
}
