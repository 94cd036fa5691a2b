import type pg from 'pg';
import type { Alert } from '../../engine/alert.js';
import type { Profile } from '../../engine/profiles.js';
import type { Logger } from '../../log.js';
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
  StreamCommit,
  TenantLease,
  TenantLeaseResult,
  TenantState,
} from '../store.js';
import type { IncidentActionRequest, IncidentActionResult, IncidentControls, Mute, ThreadNote, ThreadNoteOutcome } from '../controls.js';
import { acquireChannelLease, releaseChannelLease, renewChannelLease } from './channel-leases.js';
import * as incidentActions from './incident-actions.js';
import * as muteHolds from './mute-holds.js';
import * as mutes from './mutes.js';
import * as threadNotes from './thread-notes.js';
import { createPool, describePgUrl, type PgOptions } from './connect.js';
import { explainPgError, explainPgOpenError } from './errors.js';
import { clearIncidentThread, getIncident, recordIncident, threadedIncidents } from './incidents.js';
import { migrate } from './migrations.js';
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
import { loadProfiles, pruneProfiles } from './profiles.js';
import { listProblems, openProblem, pendingNotices, recordNotice, resolveProblem } from './problems.js';
import type { Queryable } from './query.js';
import { pruneDelivered } from './retention.js';
import {
  acquireTenantLease,
  heartbeatReplica,
  listReplicas,
  listTenantLeases,
  releaseTenantLease,
  renewTenantLeases,
  retireReplica,
} from './tenant-leases.js';
import { pruneSeenLogIds, seenLogIds } from './seen-log-ids.js';
import { commitPage, commitStreamBatch, listTenantStates, readTenantState, recordPollOutcome } from './tenant-state.js';

export interface PgStoreOptions extends PgOptions {
  /** Where a connection dropped while idle is reported (a server restart); the next query reconnects. */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The PostgreSQL back end (`DATABASE_URL`): one database shared by every
 * replica. Each method is one transaction on a pooled connection (READ
 * COMMITTED; the commit of a page locks its tenant's row). Failures are
 * classified like SQLite's: a server that is down, restarting or busy is a
 * StateBusyError (retry later), anything else a StateError.
 */
export class PgStateStore implements StateStore {
  readonly description: string;
  readonly #where: string;
  #closed = false;

  private constructor(
    readonly pool: pg.Pool,
    where: string,
  ) {
    this.#where = where;
    this.description = `PostgreSQL ${where}`;
  }

  /** Connects, and migrates under an advisory lock (replicas starting together migrate once). */
  static async open(url: string, options: PgStoreOptions = {}): Promise<PgStateStore> {
    const where = describePgUrl(url);
    const pool = createPool(url, options, (error) => {
      options.logger?.warn({ database: where, error: error.message }, 'a PostgreSQL connection dropped while idle; the next query reconnects');
    });
    const store = new PgStateStore(pool, where);
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw explainPgOpenError(error, where);
    }
    return store;
  }

  /** Autocommit statements (a read, or one self-contained write), the failure classified. */
  async #statement<T>(what: string, work: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await work(this.pool);
    } catch (error) {
      throw explainPgError(error, this.#where, what);
    }
  }

  /** Several statements in one transaction: all of it or nothing, the failure classified. */
  async #write<T>(what: string, work: (db: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      if (client) {
        // A connection that failed mid-transaction is not handed out again.
        await client.query('ROLLBACK').then(
          () => client!.release(),
          (rollbackError: unknown) => client!.release(rollbackError instanceof Error ? rollbackError : true),
        );
      }
      throw explainPgError(error, this.#where, what);
    }
  }

  readTenant(tenant: string): Promise<TenantState | undefined> {
    return this.#statement(`reading the state of tenant ${tenant}`, (db) => readTenantState(db, tenant));
  }

  listTenants(): Promise<NamedTenantState[]> {
    return this.#statement('listing tenants', (db) => listTenantStates(db));
  }

  commitPage(tenant: string, page: PageCommit): Promise<CommitResult> {
    return this.#write(`storing the page up to checkpoint ${page.checkpoint} of tenant ${tenant}`, (db) => commitPage(db, tenant, page));
  }

  recordPollOutcome(tenant: string, outcome: PollOutcome): Promise<void> {
    return this.#statement(`recording the poll outcome of tenant ${tenant}`, (db) => recordPollOutcome(db, tenant, outcome));
  }

  enqueueAlerts(tenant: string, alerts: readonly Alert[], defaultChannel: string, now?: Date): Promise<void> {
    return this.#statement(`queuing alerts of tenant ${tenant}`, async (db) => {
      await enqueueAlerts(db, tenant, alerts, defaultChannel, now);
    });
  }

  pendingChannels(): Promise<ChannelCount[]> {
    return this.#statement('listing channels with pending alerts', (db) => pendingChannels(db));
  }

  pendingRows(channel: string, limit: number): Promise<PendingRows> {
    return this.#statement(`reading pending alerts of ${channel}`, (db) => pendingRows(db, channel, limit));
  }

  pendingStats(): Promise<PendingStats> {
    return this.#statement('counting pending alerts', (db) => pendingStats(db));
  }

  recordDelivery(delivery: DeliveryRecord, now: Date): Promise<void> {
    return this.#write(`recording the delivery of message ${delivery.messageTs ?? '(no ts)'} in ${delivery.channel}`, async (db) => {
      await markSent(
        db,
        delivery.rows.map((row) => row.id),
        delivery.messageTs,
        now,
      );
      // Threads live under the first message that reported the incident; replies never become parents.
      for (const row of delivery.rows) {
        await recordIncident(
          db,
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

  markFailed(ids: readonly number[], error: string): Promise<void> {
    return this.#statement('marking outbox rows failed', (db) => markFailed(db, ids, error));
  }

  recordAttempt(ids: readonly number[], error: string): Promise<void> {
    return this.#statement('counting a delivery attempt', (db) => recordAttempt(db, ids, error));
  }

  notePendingError(error: string): Promise<number> {
    return this.#statement('noting why alerts wait', (db) => notePendingError(db, error));
  }

  failChannel(channel: string, error: string): Promise<number> {
    return this.#statement(`marking the alerts of ${channel} failed`, (db) => failChannel(db, channel, error));
  }

  requeueFailed(policy?: DeadLetterPolicy): Promise<Requeued> {
    return this.#write('retrying failed alerts', (db) => requeueFailed(db, policy));
  }

  outboxSummary(): Promise<ChannelSummary[]> {
    return this.#statement('summarising the outbox', (db) => outboxSummary(db));
  }

  getIncident(incident: string): Promise<IncidentRecord | undefined> {
    return this.#statement(`reading incident ${incident}`, (db) => getIncident(db, incident));
  }

  threadedIncidents(incidents: readonly string[]): Promise<Set<string>> {
    return this.#statement('reading incident threads', (db) => threadedIncidents(db, incidents));
  }

  clearIncidentThread(incident: string): Promise<void> {
    return this.#statement(`forgetting the thread of incident ${incident}`, (db) => clearIncidentThread(db, incident));
  }

  acquireChannelLease(channel: string, owner: string, ttlMs: number, now: Date, options: { takeOverFrom?: string } = {}): Promise<LeaseResult> {
    return this.#statement(`taking the delivery lease of ${channel}`, (db) => acquireChannelLease(db, channel, owner, ttlMs, now.getTime(), options.takeOverFrom));
  }

  renewChannelLease(channel: string, owner: string, ttlMs: number, now: Date): Promise<boolean> {
    return this.#statement(`renewing the delivery lease of ${channel}`, (db) => renewChannelLease(db, channel, owner, ttlMs, now.getTime()));
  }

  releaseChannelLease(channel: string, owner: string): Promise<void> {
    return this.#statement(`releasing the delivery lease of ${channel}`, (db) => releaseChannelLease(db, channel, owner));
  }

  openProblem(problem: ProblemInput, now: Date): Promise<boolean> {
    return this.#write(`recording problem ${problem.key}`, (db) => openProblem(db, problem, now));
  }

  resolveProblem(key: string, now: Date): Promise<boolean> {
    return this.#statement(`resolving problem ${key}`, (db) => resolveProblem(db, key, now));
  }

  listProblems(options: { includeResolved?: boolean } = {}): Promise<Problem[]> {
    return this.#statement('listing problems', (db) => listProblems(db, options.includeResolved ?? false));
  }

  pendingNotices(): Promise<Problem[]> {
    return this.#statement('listing notices to post', (db) => pendingNotices(db));
  }

  recordNotice(key: string, posted: NoticePosted, now: Date): Promise<boolean> {
    return this.#statement(`recording the notice of problem ${key}`, (db) => recordNotice(db, key, posted, now));
  }

  incidentAlertStatus(incident: string): Promise<OutboxStatus | undefined> {
    return this.#statement(`reading incident ${incident}`, (db) => incidentAlertStatus(db, incident));
  }

  incidentAlert(incident: string): Promise<IncidentParent | undefined> {
    return this.#statement(`reading incident ${incident}`, async (db) => {
      const parent = await incidentAlert(db, incident);
      const state = parent ? await incidentActions.incidentControls(db, incident) : undefined;
      // Only an incident someone acted on carries controls: the others render as before.
      const acted = state && (state.ackedBy || state.resolvedBy || state.mutes.length > 0);
      return parent && acted ? { ...parent, controls: state } : parent;
    });
  }

  recordIncidentAction(request: IncidentActionRequest): Promise<IncidentActionResult> {
    return this.#write(`recording ${request.action} from Slack`, (db) => incidentActions.recordIncidentAction(db, request));
  }

  incidentControls(incident: string): Promise<IncidentControls | undefined> {
    return this.#statement(`reading incident ${incident}`, (db) => incidentActions.incidentControls(db, incident));
  }

  pendingResolutions(tenant: string): Promise<string[]> {
    return this.#statement(`reading resolutions of tenant ${tenant}`, (db) => incidentActions.pendingResolutions(db, tenant));
  }

  listMutes(options?: { active?: boolean }): Promise<Mute[]> {
    return this.#statement('listing mutes', (db) => mutes.listMutes(db, options));
  }

  endMute(id: number, by: string, now: Date): Promise<Mute | undefined> {
    return this.#write(`ending mute ${id}`, (db) => muteHolds.endMute(db, id, { reason: 'unmuted', by }, now));
  }

  endOverdueMutes(now: Date): Promise<Mute[]> {
    return this.#write('ending overdue mutes', (db) => muteHolds.endOverdueMutes(db, now));
  }

  dueThreadNotes(now: Date, limit: number): Promise<ThreadNote[]> {
    return this.#statement('reading thread replies owed', (db) => threadNotes.dueThreadNotes(db, now.getTime(), limit));
  }

  claimThreadNote(id: number, owner: string, now: Date, until: Date): Promise<boolean> {
    return this.#statement('claiming a thread reply', (db) => threadNotes.claimThreadNote(db, id, owner, now.getTime(), until.getTime()));
  }

  recordThreadNote(id: number, outcome: ThreadNoteOutcome): Promise<void> {
    return this.#statement('recording a thread reply', (db) => threadNotes.recordThreadNote(db, id, outcome));
  }

  loadProfiles(tenant: string, keys: readonly string[]): Promise<Map<string, Profile>> {
    return this.#statement(`reading profiles of tenant ${tenant}`, (db) => loadProfiles(db, tenant, keys));
  }

  pruneProfiles(now: Date, retentionMs?: number): Promise<number> {
    return this.#statement('forgetting profiles unseen for long', (db) => pruneProfiles(db, now, retentionMs));
  }

  heartbeatReplica(replica: ReplicaAnnouncement, ttlMs: number): Promise<ReplicaRecord[]> {
    return this.#write('announcing this replica', (db) => heartbeatReplica(db, replica, ttlMs));
  }

  listReplicas(): Promise<ReplicaRecord[]> {
    return this.#statement('listing replicas', (db) => listReplicas(db));
  }

  retireReplica(replica: string): Promise<void> {
    return this.#write('retiring this replica', (db) => retireReplica(db, replica));
  }

  acquireTenantLease(tenant: string, owner: string, ttlMs: number): Promise<TenantLeaseResult> {
    return this.#statement(`taking the lease of tenant ${tenant}`, (db) => acquireTenantLease(db, tenant, owner, ttlMs));
  }

  renewTenantLeases(owner: string, ttlMs: number): Promise<string[]> {
    return this.#statement('renewing tenant leases', (db) => renewTenantLeases(db, owner, ttlMs));
  }

  releaseTenantLease(tenant: string, owner: string): Promise<void> {
    return this.#statement(`releasing the lease of tenant ${tenant}`, (db) => releaseTenantLease(db, tenant, owner));
  }

  listTenantLeases(): Promise<TenantLease[]> {
    return this.#statement('listing tenant leases', (db) => listTenantLeases(db));
  }

  pruneDelivered(now: Date, retentionMs?: number): Promise<Pruned> {
    return this.#write('pruning delivered alerts', (db) => pruneDelivered(db, now, retentionMs));
  }

  seenLogIds(tenant: string, logIds: readonly string[]): Promise<Set<string>> {
    return this.#statement(`reading seen log ids of tenant ${tenant}`, (db) => seenLogIds(db, tenant, logIds));
  }

  commitStreamBatch(tenant: string, batch: StreamCommit): Promise<CommitResult> {
    return this.#write(`storing a log-stream batch of ${batch.logIds.length} event(s) of tenant ${tenant}`, (db) => commitStreamBatch(db, tenant, batch));
  }

  pruneSeenLogIds(before: Date): Promise<number> {
    return this.#statement('forgetting old seen log ids', (db) => pruneSeenLogIds(db, before));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}
