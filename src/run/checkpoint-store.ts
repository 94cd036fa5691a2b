import type { Alert } from '../engine/alert.js';
import type { StateDb } from '../state/db.js';
import { commitPage, readTenantState, recordPollOutcome, type PageCommit, type PollOutcome, type TenantState } from '../state/tenant-state.js';

export type StoredPosition = Pick<TenantState, 'checkpoint' | 'ruleState' | 'ruleStateDamaged'>;

/** A page's outcome as the poller hands it over; the store adds where alerts go and when. */
export type PageResult = Omit<PageCommit, 'defaultChannel' | 'now'>;

/** Where the poller keeps its position; the database, or memory for --dry-run. */
export interface CheckpointStore {
  load(): StoredPosition;
  /** Atomically: the alerts, the rule state and the checkpoint. */
  commit(page: PageResult): void;
  recordOutcome(outcome: PollOutcome): void;
}

export class DbCheckpointStore implements CheckpointStore {
  constructor(
    private readonly db: StateDb,
    private readonly tenant: string,
    private readonly defaultChannel: string,
    private readonly now: () => number = Date.now,
  ) {}

  load(): StoredPosition {
    const state = readTenantState(this.db, this.tenant);
    return { checkpoint: state?.checkpoint ?? null, ruleState: state?.ruleState, ruleStateDamaged: state?.ruleStateDamaged ?? false };
  }

  commit(page: PageResult): void {
    commitPage(this.db, this.tenant, { ...page, defaultChannel: this.defaultChannel, now: new Date(this.now()) });
  }

  recordOutcome(outcome: PollOutcome): void {
    recordPollOutcome(this.db, this.tenant, { at: new Date(this.now()), ...outcome });
  }
}

/**
 * --dry-run: starts from the stored position but keeps every change in memory,
 * so engine state carries across pages while neither checkpoint nor outbox moves.
 */
export class DryRunCheckpointStore implements CheckpointStore {
  #position: StoredPosition;

  constructor(
    initial: StoredPosition,
    private readonly onAlerts: (alerts: readonly Alert[]) => void,
  ) {
    this.#position = initial;
  }

  load(): StoredPosition {
    return this.#position;
  }

  commit(page: PageResult): void {
    this.#position = { checkpoint: page.checkpoint, ruleState: page.ruleState, ruleStateDamaged: false };
    if (page.alerts.length > 0) this.onAlerts(page.alerts);
  }

  recordOutcome(): void {}
}
