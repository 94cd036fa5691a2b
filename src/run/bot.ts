import { existsSync } from 'node:fs';
import { loadCatalog } from '../catalog/index.js';
import { loadConfig, runFlagProblems, type TenantConfig } from '../config/index.js';
import { loadEnabledRuleSet, type RuleSet } from '../engine/index.js';
import { TenantPolling } from '../cluster/polling.js';
import { replicaIdentity } from '../cluster/replica.js';
import { Auth0AuthError, ConfigError, StateBusyError, StateError, type CodedError } from '../errors.js';
import { createLogger } from '../log.js';
import { openStateStore } from '../state/open.js';
import { DryRunCheckpointStore, DryRunTally } from './checkpoint-store.js';
import type { CycleReport } from './poller.js';
import { retentionTask } from './retention.js';
import { createTenantCycle, createTenantIntake, tenantDefaultChannel } from './tenant-cycle.js';
import { withStreamSilenceWatch } from '../intake/stream-health.js';
import { watchTenant, type WatchedCycle, type WatchedReport } from './tenant-watch.js';
import type { AlertSender, BotContext, RunDeps, RunFlags } from './bot-types.js';
import { runContinuously } from './run-continuously.js';
import { runOnce } from './run-once.js';

export type { AlertSender, BotContext, Companion, DrainSummary, RunDeps, RunFlags } from './bot-types.js';
export { RUN_DEFAULTS } from './bot-types.js';

/** `run`: validates everything first (exit 2, nothing fetched), then polls. Returns the exit code. */
export async function runBot(flags: RunFlags, deps: RunDeps): Promise<number> {
  const catalog = loadCatalog();
  // The rules are checked in the configuration's round: one exit 2 lists the environment's and the rules' problems.
  let loadedRules: RuleSet | undefined;
  const ruleWarnings: string[] = [];
  const configWarnings: string[] = [];
  const config = loadConfig(deps.env, {
    requireAuth0: true,
    warnings: configWarnings,
    requireSlack: !flags.dryRun,
    commandProblems: runFlagProblems(flags),
    checkRules: (dirs) => {
      try {
        loadedRules = loadEnabledRuleSet({ dirs }, catalog, ruleWarnings);
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    },
  });
  const ruleSet = loadedRules!;
  const replica = replicaIdentity(config.replicaId);
  // Every log line names the replica: with several, it tells whose line it is.
  const logger = (deps.logger ?? createLogger(config.logLevel)).child({ replica: replica.id });
  // `rules check` shows these too, but a bot started without it must not keep quiet about a rule that may never fire.
  for (const warning of ruleWarnings) logger.warn(`rules: ${warning}`);
  for (const warning of configWarnings) logger.warn(`configuration: ${warning}`);
  // A dry run touches nothing on disk: with no state file yet, it starts from an empty one in memory.
  const store = await openStateStore(
    flags.dryRun && !config.databaseUrl && !existsSync(config.stateDb)
      ? { stateDb: ':memory:' }
      : { stateDb: config.stateDb, databaseUrl: config.databaseUrl, replicaId: replica.id, logger },
  );
  const tally = flags.dryRun ? new DryRunTally() : undefined;
  const shutdown = new AbortController();
  const intakes = new Map(flags.dryRun ? [] : config.tenants.map((tenant) => [tenant.key, createTenantIntake({ config, tenant, store, ruleSet, logger })]));
  let sender: AlertSender | undefined;
  let polling: TenantPolling<WatchedReport> | undefined;
  const context: BotContext = {
    config,
    store,
    catalog,
    ruleSet,
    logger,
    signal: shutdown.signal,
    intakes,
    wakeSender: () => sender?.notify?.(),
    replicaId: replica.id,
    leases: () => polling?.snapshot(),
    once: flags.once,
    slackActions: { live: false },
  };

  // A tenant's poll cycle lives while this replica holds the tenant (its lease):
  // `current` is the one of the present hold, its signal ends it (lease lost, shutdown).
  // The watch around it (backoff, problems) lasts for the whole run.
  const current = new Map<string, () => Promise<CycleReport>>();
  const newCycle = (tenant: TenantConfig, signal: AbortSignal) =>
    createTenantCycle({
      config,
      tenant,
      store,
      ruleSet,
      logger,
      signal: AbortSignal.any([shutdown.signal, signal]),
      intake: intakes.get(tenant.key),
      wrapStore: flags.dryRun
        ? (stored) =>
            new DryRunCheckpointStore(
              stored.load(),
              (alerts) => {
                tally?.countAlerts(alerts);
                const defaultChannel = tenantDefaultChannel(config, tenant);
                for (const alert of alerts) deps.write(deps.describe(alert, { catalog, tenant, defaultChannel, json: flags.json }));
              },
              (keys) => stored.loadProfiles(keys),
              (logIds) => stored.seen(logIds),
            )
        : undefined,
    });
  const watched = new Map<string, WatchedCycle>();
  for (const tenant of config.tenants) {
    const cycle = () => current.get(tenant.key)!();
    // A dry run records nothing, so it tracks no problems either: any fatal error stops it.
    if (tally) {
      const counted = tally.wrap(cycle);
      watched.set(tenant.key, async () => withStop(await counted()));
      continue;
    }
    const watch = watchTenant(cycle, {
      tenant,
      store,
      logger,
      selfWatch: config.selfWatch,
      noticeChannel: tenantDefaultChannel(config, tenant) || undefined,
      onlyTenant: config.tenants.length === 1,
    });
    // A tenant with a log stream: after each of its polls, is the stream silent (a notice)?
    const noticeChannel = tenantDefaultChannel(config, tenant) || undefined;
    const silence = config.selfWatch.streamSilentAfterMs === undefined ? {} : { silenceMs: config.selfWatch.streamSilentAfterMs };
    watched.set(tenant.key, tenant.logStreamToken ? withStreamSilenceWatch(watch, { tenant: tenant.key, store, logger, noticeChannel, options: silence }) : watch);
  }
  const pollingFor = (onReport: (report: WatchedReport) => void) =>
    (polling = new TenantPolling<WatchedReport>({
      store,
      replica,
      tenants: config.tenants.map((tenant) => tenant.key),
      leaseMs: config.tenantLeaseMs,
      logger,
      makeCycle: (key, signal) => {
        current.set(key, newCycle(config.tenants.find((tenant) => tenant.key === key)!, signal));
        return watched.get(key)!;
      },
      onReport,
      // A dry run writes nothing, leases included, and competes with no running bot.
      ...(flags.dryRun ? { withoutLeases: { signal: shutdown.signal } } : {}),
    }));

  sender = flags.dryRun ? undefined : deps.createSender?.(context);
  if (!flags.dryRun && !sender) logger.warn('no Slack sender wired: alerts stay queued in the outbox');

  // A dry run changes nothing stored, so it prunes nothing either.
  const retention = flags.dryRun ? undefined : retentionTask({ store, logger });
  try {
    if (flags.once) {
      const code = await runOnce(pollingFor, sender, store, logger, retention);
      // stdout stays JSON-only with --json: the summary goes to the log (stderr) then.
      if (tally && flags.json) logger.info(tally.fields(), tally.summary());
      else if (tally) deps.write(tally.summary());
      return code;
    }
    // A dry run records no polls, so /healthz would only ever say "degraded", and
    // the slash command would describe a bot that queues nothing: no companions.
    const companionDeps = flags.dryRun ? { ...deps, startCompanions: undefined } : deps;
    return await runContinuously(pollingFor, sender, context, companionDeps, shutdown, retention);
  } finally {
    shutdown.abort();
    await store.close();
  }
}

/** Errors no retry will fix: wrong credentials, a broken or shared database (a lock or a full disk passes). */
export function isFatal(error: CodedError | undefined): error is CodedError {
  if (error instanceof StateBusyError) return false;
  return error instanceof Auth0AuthError || error instanceof StateError;
}

function withStop(report: CycleReport): WatchedReport {
  return { ...report, stop: isFatal(report.error) };
}
