import type { Alert } from '../engine/alert.js';
import type { Profile } from '../engine/profiles.js';
import type { CommitResult, PageCommit, PollOutcome, StateStore, StreamCommit, TenantState } from '../state/store.js';

export type StoredPosition = Pick<TenantState, 'checkpoint' | 'ruleState' | 'ruleStateDamaged' | 'ruleStateVersion'> & { lastSuccessAt?: string | null };

/** A page's outcome as the poller hands it over; the store adds where alerts go and when. */
export type PageResult = Omit<PageCommit, 'defaultChannel' | 'now'>;

/** A log-stream batch's outcome as the intake hands it over; the store adds where alerts go. */
export type StreamResult = Omit<StreamCommit, 'defaultChannel'>;

/** Where a tenant's position, rule state and seen log ids live; the state store, or memory for --dry-run. */
export interface CheckpointStore {
  /** --dry-run: nothing is stored or queued (alerts are printed); log lines say so. */
  readonly dryRun?: boolean;
  load(): Promise<StoredPosition>;
  /** The stored profiles among these keys (committed ones: the poller adds its own pending ones). */
  loadProfiles(keys: readonly string[]): Promise<Map<string, Profile>>;
  /** Atomically: the alerts, the rule state, the changed profiles, the seen log ids and the checkpoint. */
  commit(page: PageResult): Promise<CommitResult>;
  recordOutcome(outcome: PollOutcome): Promise<void>;
  /** Incidents resolved in Slack that the engine has not closed yet (commit them back in `resolutionsApplied`). */
  pendingResolutions?(): Promise<string[]>;
  /** Which of these log ids were already evaluated (see StateStore.seenLogIds). */
  seen(logIds: readonly string[]): Promise<Set<string>>;
  /** Atomically: a log-stream batch's alerts, rule state and seen log ids (see StateStore.commitStreamBatch). */
  commitStream(batch: StreamResult): Promise<CommitResult>;
}

/** One tenant's position in the state store. */
export class TenantCheckpointStore implements CheckpointStore {
  constructor(
    private readonly store: StateStore,
    private readonly tenant: string,
    private readonly defaultChannel: string,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<StoredPosition> {
    const state = await this.store.readTenant(this.tenant);
    return {
      checkpoint: state?.checkpoint ?? null,
      ruleState: state?.ruleState,
      ruleStateDamaged: state?.ruleStateDamaged ?? false,
      ruleStateVersion: state?.ruleStateVersion ?? 0,
      lastSuccessAt: state?.lastSuccessAt ?? null,
    };
  }

  loadProfiles(keys: readonly string[]): Promise<Map<string, Profile>> {
    return keys.length === 0 ? Promise.resolve(new Map()) : this.store.loadProfiles(this.tenant, keys);
  }

  commit(page: PageResult): Promise<CommitResult> {
    return this.store.commitPage(this.tenant, { ...page, defaultChannel: this.defaultChannel, now: new Date(this.now()) });
  }

  seen(logIds: readonly string[]): Promise<Set<string>> {
    return this.store.seenLogIds(this.tenant, logIds);
  }

  commitStream(batch: StreamResult): Promise<CommitResult> {
    return this.store.commitStreamBatch(this.tenant, { ...batch, defaultChannel: this.defaultChannel });
  }

  recordOutcome(outcome: PollOutcome): Promise<void> {
    return this.store.recordPollOutcome(this.tenant, { at: new Date(this.now()), ...outcome });
  }

  pendingResolutions(): Promise<string[]> {
    return this.store.pendingResolutions(this.tenant);
  }
}

/**
 * --dry-run: starts from the stored position but keeps every change in memory,
 * so engine state carries across pages while neither checkpoint nor outbox moves.
 */
export class DryRunCheckpointStore implements CheckpointStore {
  readonly dryRun = true;
  #position: Promise<StoredPosition>;
  /** Log ids evaluated in this dry run (those stored before it are asked of `seenBefore`). */
  readonly #seen = new Set<string>();
  /** Profiles changed during the dry run, over the stored ones. */
  readonly #profiles = new Map<string, Profile>();

  constructor(
    initial: Promise<StoredPosition> | StoredPosition,
    private readonly onAlerts: (alerts: readonly Alert[]) => void,
    private readonly storedProfiles: (keys: readonly string[]) => Promise<Map<string, Profile>> = async () => new Map(),
    private readonly seenBefore: (logIds: readonly string[]) => Promise<Set<string>> = async () => new Set(),
  ) {
    this.#position = Promise.resolve(initial);
  }

  load(): Promise<StoredPosition> {
    return this.#position;
  }

  async loadProfiles(keys: readonly string[]): Promise<Map<string, Profile>> {
    const missing = keys.filter((key) => !this.#profiles.has(key));
    const found = missing.length > 0 ? await this.storedProfiles(missing) : new Map<string, Profile>();
    for (const key of keys) {
      const mine = this.#profiles.get(key);
      if (mine) found.set(key, mine);
    }
    return found;
  }

  async commit(page: PageResult): Promise<CommitResult> {
    const ruleStateVersion = (await this.#position).ruleStateVersion + 1;
    this.#position = Promise.resolve({ checkpoint: page.checkpoint, ruleState: snapshot(page), ruleStateDamaged: false, ruleStateVersion });
    for (const logId of page.logIds ?? []) this.#seen.add(logId);
    for (const [key, profile] of page.profiles ?? []) this.#profiles.set(key, profile);
    if (page.alerts.length > 0) this.onAlerts(page.alerts);
    return { ruleStateVersion };
  }

  async recordOutcome(): Promise<void> {}

  async seen(logIds: readonly string[]): Promise<Set<string>> {
    const seen = await this.seenBefore(logIds);
    for (const logId of logIds) if (this.#seen.has(logId)) seen.add(logId);
    return seen;
  }

  /** A dry run serves no log stream; a batch handed here is only printed, like a page. */
  async commitStream(batch: StreamResult): Promise<CommitResult> {
    const position = await this.#position;
    const ruleStateVersion = position.ruleStateVersion + 1;
    this.#position = Promise.resolve({ ...position, ruleState: snapshot(batch), ruleStateDamaged: false, ruleStateVersion });
    for (const logId of batch.logIds) this.#seen.add(logId);
    for (const [key, profile] of batch.profiles ?? []) this.#profiles.set(key, profile);
    if (batch.alerts.length > 0) this.onAlerts(batch.alerts);
    return { ruleStateVersion };
  }
}

/** What a dry run saw, for its one-line summary (printed even when nothing matched). */
export class DryRunTally {
  events = 0;
  alerts = 0;
  repeats = 0;
  tenants = 0;
  /** Tenants whose poll cycle failed: "no rule matched" would then be untrue. */
  failed = 0;

  countAlerts(alerts: readonly Alert[]): void {
    for (const alert of alerts) {
      if (alert.kind === 'repeat') this.repeats += 1;
      else this.alerts += 1;
    }
  }

  /** The cycle, counting the events it read. */
  wrap<R extends { eventsFetched: number; ok?: boolean }>(cycle: () => Promise<R>): () => Promise<R> {
    this.tenants += 1;
    return async () => {
      const report = await cycle();
      this.events += report.eventsFetched;
      if (report.ok === false) this.failed += 1;
      return report;
    };
  }

  /** The summary's fields for the log (with --json): the same names as the cycle lines. */
  fields(): { events: number; alerts: number; repeats: number; alertsQueued: 0; wouldQueue: number } {
    return { events: this.events, alerts: this.alerts, repeats: this.repeats, alertsQueued: 0, wouldQueue: this.alerts + this.repeats };
  }

  summary(): string {
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    const nothing =
      this.failed > 0
        ? ` (polling failed for ${count(this.failed, 'tenant', 'tenants')}: see the error above)`
        : this.alerts + this.repeats === 0
          ? ' (no rule matched)'
          : '';
    return (
      `dry run: ${count(this.events, 'event', 'events')} read from ${count(this.tenants, 'tenant', 'tenants')}; ` +
      `${count(this.alerts, 'alert', 'alerts')} and ${count(this.repeats, 'thread reply', 'thread replies')} would be posted${nothing}` +
      ' — nothing posted, nothing stored'
    );
  }
}

/**
 * The rule state as a store would read it back: a copy (parsed from its JSON),
 * never the object committed, which the next step's evaluation changes in
 * place — a failed step must find the state as committed.
 */
function snapshot(committed: { ruleState: unknown; ruleStateJson?: string }): unknown {
  if (committed.ruleStateJson === undefined && committed.ruleState === undefined) return undefined;
  return JSON.parse(committed.ruleStateJson ?? JSON.stringify(committed.ruleState)) as unknown;
}
