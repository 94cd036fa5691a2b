import { asCodedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ReplicaAnnouncement, ReplicaRecord, StateStore } from '../state/store.js';

/** Heartbeat, renewal and acquisition period: a third of the lease, so two renewals may fail before it ends. */
export function renewPeriodMs(leaseMs: number): number {
  return Math.max(100, Math.floor(leaseMs / 3));
}

/** How long a holder stops polling before its lease could end by the database's clock. */
export function safetyMarginMs(leaseMs: number): number {
  return Math.floor(leaseMs / 5);
}

/** The longest a tenant goes unpolled after its holder died (SIGKILL, lost power, partition). */
export function takeoverBoundMs(leaseMs: number): number {
  return leaseMs + renewPeriodMs(leaseMs);
}

export interface LeaseKeeperOptions {
  store: StateStore;
  replica: ReplicaAnnouncement;
  /** Tenant keys this replica is configured to poll (every replica has the same list). */
  tenants: readonly string[];
  leaseMs: number;
  logger: Logger;
  /** A tenant is ours: start polling it until `signal` aborts (lease lost, shed, or shutdown). */
  onAcquire(tenant: string, signal: AbortSignal): void;
  /** Resolves once the tenant's poller has stopped (awaited before its lease is released). */
  whenStopped(tenant: string): Promise<void>;
  /** Monotonic milliseconds. @default performance.now */
  now?: () => number;
}

interface Held {
  controller: AbortController;
  timer: NodeJS.Timeout;
  acquiredAt: number;
  /** Local monotonic instant after which this replica must not poll it (without a renewal). */
  deadline: number;
}

export interface LeaseSnapshot {
  replica: string;
  /** Tenants this replica polls now. */
  held: string[];
  /** Replicas alive at the last heartbeat (by the database's clock). */
  replicasAlive: number;
  /** The most tenants this replica takes: ceil(tenants / replicas alive). */
  share: number;
  /** Why the last heartbeat failed, while it does. */
  databaseError: string | null;
}

/**
 * One poller per tenant across replicas: a lease row per tenant with an expiry
 * set and judged by the database's clock, renewed by this keeper.
 *
 * Why a lease row and not an advisory lock on a dedicated connection: a lock
 * lives as long as the server believes the connection does — a replica cut off
 * by a partition keeps it until TCP keep-alive gives up (minutes, by settings
 * we do not own), and the replica itself cannot tell when it lost it. A lease
 * has a known end: the holder stops polling a margin BEFORE that end by its
 * own monotonic clock (counted from before the renewal was sent, so earlier
 * than the server's expiry), and no one else can take the tenant before the
 * end by the server's clock. So a replica that cannot reach the database
 * stops before another can take over, and takeover after a death is bounded:
 * at most LEASE + one renewal period (20 s with the defaults). The checkpoint
 * compare-and-set stays the last guard: a commit from a holder that lost its
 * lease anyway is refused, never doubled. The lease's length is TENANT_LEASE_MS
 * (CONFIG_DEFAULTS.tenantLeaseMs).
 */
export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #now: () => number;
  readonly #held = new Map<string, Held>();
  #alive: ReplicaRecord[] = [];
  #interval: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopping = false;
  #databaseError: string | null = null;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Ticks now and every renewal period until stop(). */
  start(): void {
    if (this.#interval) return;
    void this.tick();
    this.#interval = setInterval(() => void this.tick(), renewPeriodMs(this.#options.leaseMs));
  }

  /** One heartbeat / renewal / rebalancing pass; never two at once, never throws. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick()
      .catch((error: unknown) => this.#options.logger.error({ error: asCodedError(error).message }, 'tenant lease pass failed; retrying next period'))
      .finally(() => {
        this.#ticking = undefined;
      });
    return this.#ticking;
  }

  held(): string[] {
    return [...this.#held.keys()].sort();
  }

  snapshot(): LeaseSnapshot {
    return {
      replica: this.#options.replica.id,
      held: this.held(),
      replicasAlive: this.#alive.length,
      share: this.#share(),
      databaseError: this.#databaseError,
    };
  }

  /** Stops every poller of ours, then gives the tenants back (others take them at their next pass). */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#interval);
    await this.#ticking;
    const tenants = this.held();
    for (const tenant of tenants) this.#lose(tenant, 'shutdown');
    await Promise.all(tenants.map((tenant) => this.#options.whenStopped(tenant)));
    try {
      await this.#options.store.retireReplica(this.#options.replica.id);
    } catch (error) {
      // Unreachable: the leases end on their own, LEASE later.
      this.#options.logger.warn({ error: asCodedError(error).message }, 'could not give the tenant leases back; other replicas take them when they expire');
    }
  }

  #share(): number {
    return Math.ceil(this.#options.tenants.length / Math.max(1, this.#alive.length));
  }

  async #tick(): Promise<void> {
    if (this.#stopping) return;
    const { store, replica, leaseMs, tenants, logger } = this.#options;
    const sentAt = this.#now();
    let renewed: string[];
    try {
      this.#alive = await store.heartbeatReplica(replica, leaseMs);
      renewed = await store.renewTenantLeases(replica.id, leaseMs);
    } catch (error) {
      const message = asCodedError(error).message;
      if (this.#databaseError === null) {
        logger.error(
          { error: message, held: this.held() },
          'cannot reach the state database to renew tenant leases; each tenant stops being polled before its lease ends, and polling resumes when the database answers',
        );
      }
      this.#databaseError = message;
      return;
    }
    if (this.#databaseError !== null) logger.info('state database reachable again; tenant leases renewed');
    this.#databaseError = null;
    if (this.#stopping) return;

    const renewedSet = new Set(renewed);
    for (const tenant of this.held()) if (!renewedSet.has(tenant)) this.#lose(tenant, 'taken by another replica');
    for (const tenant of renewed) {
      if (this.#held.has(tenant)) this.#extend(tenant, sentAt);
      else if (tenants.includes(tenant)) this.#take(tenant, sentAt, 'kept after its lease was not renewed in time (no one took it)');
      else await store.releaseTenantLease(tenant, replica.id); // no longer in this replica's configuration
    }

    const share = this.#share();
    if (this.#held.size > share) await this.#shed(this.#held.size - share);
    else if (this.#held.size < share) await this.#acquire(share - this.#held.size);
  }

  /** Takes free or expired tenants, starting at a point of the list that differs per replica (less contention). */
  async #acquire(wanted: number): Promise<void> {
    const { store, replica, leaseMs, tenants } = this.#options;
    const leases = await store.listTenantLeases();
    const busy = new Set(leases.filter((lease) => !lease.expired && lease.owner !== replica.id).map((lease) => lease.tenant));
    const free = tenants.filter((tenant) => !this.#held.has(tenant) && !busy.has(tenant));
    const start = free.length === 0 ? 0 : hash(replica.id) % free.length;
    const ordered = [...free.slice(start), ...free.slice(0, start)];
    for (const tenant of ordered) {
      if (wanted === 0 || this.#stopping) return;
      const sentAt = this.#now();
      const result = await store.acquireTenantLease(tenant, replica.id, leaseMs);
      if (!result.held) continue;
      const previous = leases.find((lease) => lease.tenant === tenant);
      this.#take(tenant, sentAt, previous && previous.owner !== replica.id ? `taken over from ${previous.owner} (its lease ran out)` : 'acquired');
      wanted -= 1;
    }
  }

  /** More replicas are alive than when we took our tenants: give the newest ones back, once their pollers stopped. */
  async #shed(excess: number): Promise<void> {
    const newest = [...this.#held.entries()].sort((a, b) => b[1].acquiredAt - a[1].acquiredAt).slice(0, excess).map(([tenant]) => tenant);
    for (const tenant of newest) this.#lose(tenant, `handed over: ${this.#alive.length} replicas alive, this one takes at most ${this.#share()}`);
    await Promise.all(newest.map((tenant) => this.#options.whenStopped(tenant)));
    for (const tenant of newest) await this.#options.store.releaseTenantLease(tenant, this.#options.replica.id);
  }

  #take(tenant: string, sentAt: number, how: string): void {
    const controller = new AbortController();
    const held: Held = { controller, timer: undefined as unknown as NodeJS.Timeout, acquiredAt: this.#now(), deadline: 0 };
    this.#held.set(tenant, held);
    this.#extend(tenant, sentAt);
    this.#options.logger.info({ tenant, replica: this.#options.replica.id }, `polling tenant ${tenant}: lease ${how}`);
    this.#options.onAcquire(tenant, controller.signal);
  }

  /** The lease runs until at least sentAt + LEASE by the database's clock; we stop a margin before. */
  #extend(tenant: string, sentAt: number): void {
    const held = this.#held.get(tenant);
    if (!held) return;
    const { leaseMs } = this.#options;
    held.deadline = sentAt + leaseMs - safetyMarginMs(leaseMs);
    clearTimeout(held.timer);
    held.timer = setTimeout(() => this.#lose(tenant, 'its lease was not renewed in time (state database unreachable?)'), Math.max(0, held.deadline - this.#now()));
  }

  #lose(tenant: string, why: string): void {
    const held = this.#held.get(tenant);
    if (!held) return;
    this.#held.delete(tenant);
    clearTimeout(held.timer);
    held.controller.abort();
    const level = why === 'shutdown' ? 'info' : 'warn';
    this.#options.logger[level]({ tenant, replica: this.#options.replica.id }, `stopped polling tenant ${tenant}: ${why}`);
  }
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
