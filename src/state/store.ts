import type { IncidentStore } from './interface/incidents.js';
import type { LeaseStore } from './interface/leases.js';
import type { OutboxStore } from './interface/outbox.js';
import type { ProblemStore } from './interface/problems.js';
import type { TenantStateStore } from './interface/tenants.js';

// The interface is split by concern (src/state/interface/); everything is
// re-exported here so callers import from one place.
export * from './interface/incidents.js';
export * from './interface/leases.js';
export * from './interface/outbox.js';
export * from './interface/problems.js';
export * from './interface/tenants.js';

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
export interface StateStore extends StateStoreConcerns {
  /** Which back end, and where (a path; never a password): for `status` and log lines. */
  readonly description: string;

  // ── Maintenance ─────────────────────────────────────────────────────────
  /** Deletes delivered rows and quiet incidents older than `retentionMs` (rules in RETENTION_MS). */
  pruneDelivered(now: Date, retentionMs?: number): Promise<Pruned>;
  close(): Promise<void>;
}

/** The interface's concerns, one module each: what a back end assembles from its per-concern parts. */
export type StateStoreConcerns = TenantStateStore & OutboxStore & IncidentStore & ProblemStore & LeaseStore;

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

export interface Pruned {
  outbox: number;
  incidents: number;
  /** Resolved problems whose notices are settled. */
  problems: number;
}
