import type { Logger } from '../log.js';
import type { ReplicaAnnouncement, StateStore } from '../state/store.js';
import { LeaseKeeper, type LeaseSnapshot } from './lease-keeper.js';
import { TenantPollers, type TenantCycle } from './tenant-pollers.js';

export interface TenantPollingOptions<R> {
  store: StateStore;
  replica: ReplicaAnnouncement;
  tenants: readonly string[];
  leaseMs: number;
  logger: Logger;
  makeCycle(tenant: string, signal: AbortSignal): TenantCycle<R>;
  onReport(report: R): void;
  /**
   * Poll every tenant without leases (--dry-run: it writes nothing, leases
   * included, and never competes with a running bot).
   */
  withoutLeases?: { signal: AbortSignal };
}

/**
 * Which tenants this process polls, and polling them: under tenant leases
 * (LeaseKeeper) — with SQLite and one process that is every tenant, with
 * PostgreSQL and several replicas each its share — or, for --dry-run, all.
 */
export class TenantPolling<R> {
  readonly #options: TenantPollingOptions<R>;
  readonly #pollers: TenantPollers<R>;
  readonly #keeper: LeaseKeeper | undefined;

  constructor(options: TenantPollingOptions<R>) {
    this.#options = options;
    this.#pollers = new TenantPollers({ makeCycle: options.makeCycle, onReport: options.onReport, logger: options.logger });
    this.#keeper = options.withoutLeases
      ? undefined
      : new LeaseKeeper({
          store: options.store,
          replica: options.replica,
          tenants: options.tenants,
          leaseMs: options.leaseMs,
          logger: options.logger,
          onAcquire: (tenant, signal) => this.#pollers.start(tenant, signal),
          whenStopped: (tenant) => this.#pollers.whenStopped(tenant),
        });
  }

  /** Takes this replica's tenants and polls them now, then keeps leases renewed (and rebalanced). */
  start(): void {
    if (this.#keeper) this.#keeper.start();
    else for (const tenant of this.#options.tenants) this.#pollers.start(tenant, this.#options.withoutLeases!.signal);
  }

  /** A schedule tick: each held tenant polls again unless its previous cycle still runs. */
  tick(): void {
    this.#pollers.tick();
  }

  /**
   * run --once: takes this replica's share, polls each tenant held once, gives
   * the leases back. A tenant another live process polls is skipped and said so.
   */
  async runOnce(): Promise<void> {
    this.start();
    if (this.#keeper) {
      await this.#keeper.tick();
      await this.#logSkipped(this.#keeper.held());
    }
    await this.#pollers.idle();
    await this.stop();
  }

  /** Stops polling (current pages finish) and gives the leases back. */
  async stop(): Promise<void> {
    await this.#keeper?.stop();
    await this.#pollers.idle();
  }

  snapshot(): LeaseSnapshot | undefined {
    return this.#keeper?.snapshot();
  }

  async #logSkipped(held: readonly string[]): Promise<void> {
    const skipped = this.#options.tenants.filter((tenant) => !held.includes(tenant));
    if (skipped.length === 0) return;
    const leases = await this.#options.store.listTenantLeases().catch(() => []);
    for (const tenant of skipped) {
      const owner = leases.find((lease) => lease.tenant === tenant && !lease.expired)?.owner;
      this.#options.logger.warn({ tenant, owner }, `tenant ${tenant} skipped: ${owner ? `replica ${owner} is polling it` : 'its lease could not be taken'}`);
    }
  }
}
