import type { LogEvent } from '../auth0/log-event.js';
import { RuleStateConflictError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CheckpointStore } from '../run/checkpoint-store.js';
import type { PageEvaluation, PageEvaluator } from '../run/evaluator.js';
import type { Profile } from '../engine/profiles.js';
import type { CommitResult, RuleStateParts } from '../state/store.js';
import { metrics } from '../metrics/index.js';
import { AsyncLock } from './lock.js';

export interface TenantIntakeOptions {
  tenant: string;
  store: CheckpointStore;
  evaluator: PageEvaluator;
  logger: Logger;
  /** Commits refused because another process committed first, tried again this many times. @default INTAKE_DEFAULTS.maxAttempts */
  maxAttempts?: number;
}

export const INTAKE_DEFAULTS = {
  /**
   * A conflict means another process (a replica answering a log-stream POST, a
   * `run --once`) committed this tenant's rule state between our read and our
   * commit; each retry re-reads it first, so only a writer committing faster
   * than we evaluate can make us lose again. Five attempts ride out a burst;
   * past that the caller fails (a poll cycle retries next tick, a stream
   * request answers 503 and Auth0 retries).
   */
  maxAttempts: 5,
} as const;

/** What one intake step did. */
export interface IntakeResult {
  /** Events evaluated now (new to the tenant). */
  evaluated: number;
  /** Events skipped: already evaluated (by poll or by stream), or repeated within the batch. */
  duplicates: number;
  alertsQueued: number;
  /** Events whose evaluation threw: skipped, each named in a warning (the others count). */
  skipped: number;
  /** Date of the newest evaluated event (ISO-8601), if any. */
  newestEventDate: string | null;
}

/** Poll pages evaluated together, committed with the checkpoint they reach. */
export interface PageRange {
  /** The stored checkpoint these pages were read after (compare-and-set). */
  after: string | null;
  checkpoint: string;
  checkpointDate: string | null;
  events: readonly LogEvent[];
}

interface Evaluated {
  ruleStateVersion: number;
  /** Incidents resolved in Slack that this step closed (the commit marks them applied). */
  resolutionsApplied?: string[];
  ruleState: unknown;
  ruleStateJson?: string;
  ruleStateParts?: RuleStateParts;
  alerts: PageEvaluation['alerts'];
  profiles?: PageEvaluation['profiles'];
  logIds: string[];
}

/**
 * The one place a tenant's events are evaluated, whichever path brought them
 * (the poller's pages, a log-stream batch): under the tenant's lock, skip the
 * log ids already evaluated, evaluate the rest on the current rule state, and
 * commit alerts + rule state + seen ids in one transaction guarded by the
 * rule-state version. Each log id is so evaluated exactly once, whether it
 * came by poll, by stream or both, in any order.
 *
 * The rule state stays in memory between steps (parsing it on each stream
 * request would cost more than evaluating). Evaluation changes it in place, so
 * a step that fails anywhere before its commit succeeds (a conflict included)
 * drops it, and the next attempt re-reads what is stored.
 */
export class TenantIntake {
  readonly tenant: string;
  readonly evaluator: PageEvaluator;
  readonly #store: CheckpointStore;
  readonly #logger: Logger;
  readonly #maxAttempts: number;
  readonly #lock = new AsyncLock();
  /** The state at `version`; `parted`: this intake committed it in parts, so the next commit writes only the changed ones. */
  #cached: { version: number; state: unknown; parted: boolean } | undefined;

  constructor(options: TenantIntakeOptions) {
    this.tenant = options.tenant;
    this.#store = options.store;
    this.evaluator = options.evaluator;
    this.#logger = options.logger;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? INTAKE_DEFAULTS.maxAttempts);
  }

  /** The poller's pages: their new events, and the checkpoint moved to the pages' end. */
  commitPages(range: PageRange): Promise<IntakeResult> {
    return this.#step(range.events, (evaluated) =>
      this.#store.commit({ after: range.after, checkpoint: range.checkpoint, checkpointDate: range.checkpointDate, ...evaluated }),
    );
  }

  /** A log-stream batch (any order, possibly repeating what poll or stream already brought). */
  commitStream(events: readonly LogEvent[], receivedAt: Date): Promise<IntakeResult> {
    return this.#step(events, (evaluated) => this.#store.commitStream({ ...evaluated, now: receivedAt }));
  }

  #step(events: readonly LogEvent[], commit: (evaluated: Evaluated) => Promise<CommitResult>): Promise<IntakeResult> {
    return this.#lock.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const base = this.#cached ?? (await this.#load());
        // evaluate() and closeIncidents() change the state in place: it is this step's until it commits.
        // Whatever fails before that (the commit, a conflict, a look-up), the next step re-reads what is
        // stored, so a retried page never counts its events twice.
        this.#cached = undefined;
        try {
          const { resolved, state } = await this.#applyResolutions(base.state);
          const { fresh, duplicates } = await this.#unseen(events);
          const result = fresh.length > 0 ? await this.#evaluate(state, fresh) : { alerts: [], state, skipped: [] };
          const { ruleStateVersion } = await commit({
            ruleStateVersion: base.version,
            ...(resolved.length > 0 ? { resolutionsApplied: resolved } : {}),
            ruleState: result.state,
            ...this.#serialized(result.state, base),
            alerts: result.alerts,
            logIds: fresh.map((event) => event.log_id),
            ...(result.profiles && result.profiles.size > 0 ? { profiles: result.profiles } : {}),
          });
          this.#cached = { version: ruleStateVersion, state: result.state, parted: this.evaluator.serializeParts !== undefined };
          metrics.alertsQueued(this.tenant, result.alerts);
          const skipped = result.skipped ?? [];
          for (const { logId, problem } of skipped) {
            this.#logger.warn({ tenant: this.tenant, logId: logId.slice(0, 80), problem: problem.slice(0, 300) }, `skipping log event ${logId.slice(0, 80)}: evaluating it failed`);
          }
          return { evaluated: fresh.length - skipped.length, duplicates, alertsQueued: result.alerts.length, skipped: skipped.length, newestEventDate: newestDate(fresh) };
        } catch (error) {
          if (!(error instanceof RuleStateConflictError) || attempt >= this.#maxAttempts) throw error;
          this.#logger.debug({ tenant: this.tenant, attempt }, 'rule state committed by another process meanwhile; evaluating again on it');
        }
      }
    });
  }

  /**
   * The state to store: in parts when the evaluator can, only those changed
   * since the state this step read if this intake stored that one in parts
   * (otherwise — loaded, stored whole by an older release — all of them).
   */
  #serialized(state: unknown, base: { parted: boolean }): Pick<Evaluated, 'ruleStateJson' | 'ruleStateParts'> {
    if (this.evaluator.serializeParts) return { ruleStateParts: this.evaluator.serializeParts(state, !base.parted) };
    const json = this.evaluator.serialize?.(state);
    return json === undefined ? {} : { ruleStateJson: json };
  }

  /**
   * Evaluates on the stored profiles of the keys these events read: loaded on
   * each attempt, so a retry after a conflict sees what the other writer stored.
   */
  async #evaluate(state: unknown, events: readonly LogEvent[]): Promise<PageEvaluation> {
    const keys = this.evaluator.profileKeys?.(events) ?? [];
    const profiles = keys.length > 0 ? await this.#store.loadProfiles(keys) : new Map<string, Profile>();
    return this.evaluator.evaluate(state, events, profiles);
  }

  /**
   * Incidents resolved in Slack are closed before the step's events (the next
   * match opens a new incident), in the state this step commits — which marks
   * them applied. Until a step commits, they are closed again on the next one.
   */
  async #applyResolutions(state: unknown): Promise<{ resolved: string[]; state: unknown }> {
    const close = this.evaluator.closeIncidents;
    const resolved = close ? ((await this.#store.pendingResolutions?.()) ?? []) : [];
    return { resolved, state: resolved.length > 0 ? close!(state, resolved) : state };
  }

  async #load(): Promise<{ version: number; state: unknown; parted: boolean }> {
    const stored = await this.#store.load();
    if (stored.ruleStateDamaged) {
      this.#logger.error(
        { tenant: this.tenant, checkpoint: stored.checkpoint },
        'stored rule state is not valid JSON; continuing from the checkpoint with empty windows and throttles (open incidents may alert again)',
      );
    }
    const state = stored.ruleState === undefined || stored.ruleStateDamaged ? this.evaluator.initialState() : this.evaluator.restore(stored.ruleState);
    return { version: stored.ruleStateVersion, state, parted: false };
  }

  /** The events not evaluated yet: neither stored as seen nor earlier in this batch. */
  async #unseen(events: readonly LogEvent[]): Promise<{ fresh: LogEvent[]; duplicates: number }> {
    if (events.length === 0) return { fresh: [], duplicates: 0 };
    const seen = await this.#store.seen(events.map((event) => event.log_id));
    const fresh: LogEvent[] = [];
    const inBatch = new Set<string>();
    for (const event of events) {
      if (seen.has(event.log_id) || inBatch.has(event.log_id)) continue;
      inBatch.add(event.log_id);
      fresh.push(event);
    }
    return { fresh, duplicates: events.length - fresh.length };
  }
}

function newestDate(events: readonly LogEvent[]): string | null {
  let newest: string | null = null;
  let newestMs = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    const ms = Date.parse(event.date);
    if (ms > newestMs) {
      newestMs = ms;
      newest = event.date;
    }
  }
  return newest;
}
