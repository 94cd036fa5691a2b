import type { IntakeResult } from '../intake/tenant-intake.js';
import type { HealthReport, HealthStatus, ReplicaHealth } from '../slack/health.js';
import type { StateStore } from '../state/store.js';

/**
 * What `GET /healthz` tells a caller holding METRICS_TOKEN (anonymous callers
 * get the generic body of src/slack/health.ts): per tenant its health, last
 * poll, log-stream deliveries and the replica holding its lease — what an
 * operator's monitor needs without shell access to run `status`.
 */
export interface HealthDetail {
  status: HealthStatus;
  reason?: string;
  /** The replica that answered (with PostgreSQL, one of several). */
  replica?: ReplicaHealth;
  tenants: Record<string, TenantHealthDetail>;
}

export interface TenantHealthDetail {
  status: HealthStatus;
  reason?: string;
  lastPollAt: string | null;
  lastPollOk: boolean | null;
  /** Secret-free message of the last failed poll. */
  lastPollError: string | null;
  lastSuccessAt: string | null;
  stream: {
    /** The last stored log-stream batch, whichever replica took it; null: never. */
    lastDeliveryAt: string | null;
    /** Batches (and their events) this replica stored since it started. */
    deliveries: number;
    events: number;
  };
  /** The replica polling the tenant now (its lease) and until when, by the database's clock; null: none. */
  lease: { replica: string; expiresAt: string } | null;
}

/** Log-stream batches this process stored, per tenant (fed by the stream handler's onCommitted). */
export class StreamDeliveryTally {
  readonly #counts = new Map<string, { deliveries: number; events: number }>();

  record(tenant: string, result: Pick<IntakeResult, 'evaluated' | 'duplicates' | 'skipped'>): void {
    const count = this.#counts.get(tenant) ?? { deliveries: 0, events: 0 };
    count.deliveries += 1;
    count.events += result.evaluated + result.duplicates + result.skipped;
    this.#counts.set(tenant, count);
  }

  of(tenant: string): { deliveries: number; events: number } {
    return { ...(this.#counts.get(tenant) ?? { deliveries: 0, events: 0 }) };
  }
}

/** The detailed body from the state database and the report the generic body is made of. */
export async function readHealthDetail(
  store: StateStore,
  tenants: readonly string[],
  report: HealthReport,
  tally: StreamDeliveryTally | undefined,
): Promise<HealthDetail> {
  const [states, leases] = await Promise.all([Promise.all(tenants.map((tenant) => store.readTenant(tenant))), store.listTenantLeases()]);
  const held = new Map(leases.filter((lease) => !lease.expired).map((lease) => [lease.tenant, lease]));
  const detail: HealthDetail = { status: report.status, ...(report.reason ? { reason: report.reason } : {}), ...(report.replica ? { replica: report.replica } : {}), tenants: {} };
  tenants.forEach((tenant, index) => {
    const state = states[index];
    // One tenant's report is the top level itself; several are under `tenants`.
    const own = report.tenants?.[tenant] ?? (tenants.length === 1 ? report : undefined);
    const lease = held.get(tenant);
    detail.tenants[tenant] = {
      status: own?.status ?? report.status,
      ...(own?.reason ? { reason: own.reason } : {}),
      lastPollAt: state?.lastPollAt ?? null,
      lastPollOk: state?.lastPollOk ?? null,
      lastPollError: state?.lastPollError ?? null,
      lastSuccessAt: state?.lastSuccessAt ?? null,
      stream: { lastDeliveryAt: state?.lastStreamAt ?? null, ...(tally?.of(tenant) ?? { deliveries: 0, events: 0 }) },
      lease: lease ? { replica: lease.owner, expiresAt: lease.expiresAt } : null,
    };
  });
  return detail;
}
