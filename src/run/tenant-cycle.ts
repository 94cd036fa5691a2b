import { Auth0Client } from '../auth0/client.js';
import { Auth0LogSource } from '../auth0/log-source.js';
import { abortableSleep } from '../auth0/retry.js';
import type { AppConfig, TenantConfig } from '../config/index.js';
import type { RuleSet } from '../engine/index.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import { TenantIntake } from '../intake/tenant-intake.js';
import { TenantCheckpointStore, type CheckpointStore } from './checkpoint-store.js';
import { engineEvaluator } from './engine-evaluator.js';
import { runPollCycle, type CycleReport } from './poller.js';

export interface TenantCycleInput {
  config: AppConfig;
  tenant: TenantConfig;
  store: StateStore;
  ruleSet: RuleSet;
  logger: Logger;
  /** Aborted on shutdown: cuts Auth0 requests and waits short, and stops between pages. */
  signal?: AbortSignal;
  /** Replaces the tenant's checkpoint store (--dry-run keeps changes in memory); given the real one. */
  wrapStore?: (store: TenantCheckpointStore) => CheckpointStore;
  /** Pages per cycle; the bench lifts the bound to work through a backlog in one cycle. */
  maxPages?: number;
  /** The tenant's intake, shared with its log stream (see createTenantIntake); absent: one of the cycle's own. */
  intake?: TenantIntake;
}

/** Where a tenant's alerts go when a rule names no channel. */
export function tenantDefaultChannel(config: AppConfig, tenant: TenantConfig): string {
  return tenant.defaultChannel ?? config.alertChannel ?? '';
}

/**
 * One tenant's poll cycle as `run` wires it: Auth0 client and log source
 * (one token cache per tenant, kept across cycles), checkpoint store, rule
 * engine. bench/catch-up-worker.mjs calls this too, so the bench measures
 * exactly what the bot runs.
 */
export function createTenantCycle(input: TenantCycleInput): () => Promise<CycleReport> {
  const { config, tenant, logger, signal } = input;
  const client = new Auth0Client({
    baseUrl: tenant.domain.baseUrl,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    audience: tenant.audience,
    signal,
  });
  const sleep = signal ? abortableSleep(signal) : undefined;
  const source = new Auth0LogSource(client, { logger: logger.child({ tenant: tenant.key }), ...(sleep ? { sleep } : {}) });
  const stored = new TenantCheckpointStore(input.store, tenant.key, tenantDefaultChannel(config, tenant));
  const store = input.wrapStore ? input.wrapStore(stored) : stored;
  const intake = input.intake ?? createTenantIntake({ ...input, checkpointStore: store });
  // The intake's evaluator (its serialisation cache follows that tenant's state).
  const evaluator = intake.evaluator;
  // An old checkpoint (a catch-up, a long stop) is checked for a log gap at most once an hour.
  let lastGapCheckAt = Number.NEGATIVE_INFINITY;
  return async () => {
    const report = await runPollCycle({
      tenant: tenant.key,
      source,
      store,
      evaluator,
      intake,
      startFrom: config.startFrom,
      logger,
      shouldStop: () => signal?.aborted === true,
      checkLogGap: Date.now() - lastGapCheckAt >= LOG_GAP_RECHECK_MS,
      ...(input.maxPages !== undefined ? { maxPages: input.maxPages } : {}),
    });
    if (report.logGapChecked) lastGapCheckAt = Date.now();
    return report;
  };
}

const LOG_GAP_RECHECK_MS = 60 * 60 * 1000;

/**
 * The tenant's intake: where both its poll cycle and its log-stream requests
 * evaluate and commit events (one lock, one cached rule state, one evaluator).
 */
export function createTenantIntake(input: Pick<TenantCycleInput, 'config' | 'tenant' | 'store' | 'ruleSet' | 'logger'> & { checkpointStore?: CheckpointStore }): TenantIntake {
  const { config, tenant, ruleSet, logger } = input;
  const store = input.checkpointStore ?? new TenantCheckpointStore(input.store, tenant.key, tenantDefaultChannel(config, tenant));
  return new TenantIntake({ tenant: tenant.key, store, evaluator: engineEvaluator(ruleSet), logger });
}
