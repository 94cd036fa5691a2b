import type { Logger } from '../log.js';

/** A tenant's poll cycle: its report, or undefined when it did not poll (a tenant waiting out a backoff). */
export type TenantCycle<R> = () => Promise<R | undefined>;

export interface TenantPollersOptions<R> {
  /** A tenant's poll cycle, for as long as `signal` is not aborted (cuts its Auth0 requests and waits short). */
  makeCycle(tenant: string, signal: AbortSignal): TenantCycle<R>;
  /** Every cycle's report (fatal errors, waking the sender). */
  onReport(report: R): void;
  logger: Logger;
}

interface Active<R> {
  signal: AbortSignal;
  cycle: TenantCycle<R>;
  running: Promise<void> | undefined;
}

/**
 * Polls the tenants this replica holds, each on its own: concurrently, never
 * two cycles of one tenant at once, each with its own Auth0 client (token,
 * rate limit). A tenant starts at once when taken, then on every schedule
 * tick, and stops when its signal aborts (its current page finishes).
 */
export class TenantPollers<R> {
  readonly #options: TenantPollersOptions<R>;
  readonly #active = new Map<string, Active<R>>();

  constructor(options: TenantPollersOptions<R>) {
    this.#options = options;
  }

  start(tenant: string, signal: AbortSignal): void {
    if (signal.aborted) return;
    // A tenant lost and taken again at once: its old cycle (told to stop) finishes first.
    const previous = this.#active.get(tenant)?.running;
    const active: Active<R> = { signal, cycle: this.#options.makeCycle(tenant, signal), running: undefined };
    this.#active.set(tenant, active);
    signal.addEventListener('abort', () => {
      if (!active.running) this.#forget(tenant, active);
    });
    const begin = (): Promise<void> => {
      active.running = undefined;
      if (!active.signal.aborted) return this.#run(tenant, active);
      this.#forget(tenant, active);
      return Promise.resolve();
    };
    if (previous) active.running = previous.then(begin);
    else void begin();
  }

  /** A schedule tick: every held tenant whose previous cycle has ended polls again. */
  tick(): void {
    for (const [tenant, active] of this.#active) {
      if (active.running) {
        this.#options.logger.warn({ tenant }, 'poll tick skipped for this tenant: its previous cycle is still running');
        continue;
      }
      void this.#run(tenant, active);
    }
  }

  /** Resolves when the tenant's cycle in progress (if any) has ended. */
  async whenStopped(tenant: string): Promise<void> {
    await this.#active.get(tenant)?.running;
  }

  /** Resolves when no cycle is running (run --once). */
  async idle(): Promise<void> {
    await Promise.all([...this.#active.values()].map((active) => active.running));
  }

  polling(): string[] {
    return [...this.#active.keys()].sort();
  }

  #run(tenant: string, active: Active<R>): Promise<void> {
    if (active.running || active.signal.aborted) return active.running ?? Promise.resolve();
    active.running = active
      .cycle()
      .then(
        (report) => {
          if (report !== undefined) this.#options.onReport(report);
        },
        (error: unknown) => this.#options.logger.error({ tenant, error: String(error) }, 'poll cycle threw'),
      )
      .finally(() => {
        active.running = undefined;
        if (active.signal.aborted) this.#forget(tenant, active);
      });
    return active.running;
  }

  #forget(tenant: string, active: Active<R>): void {
    if (this.#active.get(tenant) === active) this.#active.delete(tenant);
  }
}
