import type { Alert } from '../engine/alert.js';
import type { Profile } from '../engine/profiles.js';
import type { PageCommit, PollOutcome, StateStore, TenantState } from '../state/store.js';

export type StoredPosition = Pick<TenantState, 'checkpoint' | 'ruleState' | 'ruleStateDamaged'> & { lastSuccessAt?: string | null };

/** A page's outcome as the poller hands it over; the store adds where alerts go and when. */
export type PageResult = Omit<PageCommit, 'defaultChannel' | 'now'>;

/** Where the poller keeps its position; the state store, or memory for --dry-run. */
export interface CheckpointStore {
  load(): Promise<StoredPosition>;
  /** The stored profiles among these keys (committed ones: the poller adds its own pending ones). */
  loadProfiles(keys: readonly string[]): Promise<Map<string, Profile>>;
  /** Atomically: the alerts, the rule state, the changed profiles and the checkpoint. */
  commit(page: PageResult): Promise<void>;
  recordOutcome(outcome: PollOutcome): Promise<void>;
  /** Incidents resolved in Slack that the engine has not closed yet (commit them back in `resolutionsApplied`). */
  pendingResolutions?(): Promise<string[]>;
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
      lastSuccessAt: state?.lastSuccessAt ?? null,
    };
  }

  loadProfiles(keys: readonly string[]): Promise<Map<string, Profile>> {
    return keys.length === 0 ? Promise.resolve(new Map()) : this.store.loadProfiles(this.tenant, keys);
  }

  commit(page: PageResult): Promise<void> {
    return this.store.commitPage(this.tenant, { ...page, defaultChannel: this.defaultChannel, now: new Date(this.now()) });
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
  #position: Promise<StoredPosition>;
  /** Profiles changed during the dry run, over the stored ones. */
  readonly #profiles = new Map<string, Profile>();

  constructor(
    initial: Promise<StoredPosition> | StoredPosition,
    private readonly onAlerts: (alerts: readonly Alert[]) => void,
    private readonly storedProfiles: (keys: readonly string[]) => Promise<Map<string, Profile>> = async () => new Map(),
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

  async commit(page: PageResult): Promise<void> {
    this.#position = Promise.resolve({ checkpoint: page.checkpoint, ruleState: page.ruleState, ruleStateDamaged: false });
    for (const [key, profile] of page.profiles ?? []) this.#profiles.set(key, profile);
    if (page.alerts.length > 0) this.onAlerts(page.alerts);
  }

  async recordOutcome(): Promise<void> {}
}

/** What a dry run saw, for its one-line summary (printed even when nothing matched). */
export class DryRunTally {
  events = 0;
  alerts = 0;
  repeats = 0;
  tenants = 0;

  countAlerts(alerts: readonly Alert[]): void {
    for (const alert of alerts) {
      if (alert.kind === 'repeat') this.repeats += 1;
      else this.alerts += 1;
    }
  }

  /** The cycle, counting the events it read. */
  wrap<R extends { eventsFetched: number }>(cycle: () => Promise<R>): () => Promise<R> {
    this.tenants += 1;
    return async () => {
      const report = await cycle();
      this.events += report.eventsFetched;
      return report;
    };
  }

  summary(): string {
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    const nothing = this.alerts + this.repeats === 0 ? ' (no rule matched)' : '';
    return (
      `dry run: ${count(this.events, 'event', 'events')} read from ${count(this.tenants, 'tenant', 'tenants')}; ` +
      `${count(this.alerts, 'alert', 'alerts')} and ${count(this.repeats, 'thread reply', 'thread replies')} would be posted${nothing}` +
      ' — nothing posted, nothing stored'
    );
  }
}
