import { existsSync } from 'node:fs';
import { loadCatalog } from '../catalog/index.js';
import type { Catalog } from '../catalog/types.js';
import { loadConfig, runFlagProblems, type AppConfig, type TenantConfig } from '../config/index.js';
import { loadEnabledRuleSet, type Alert, type RuleSet } from '../engine/index.js';
import type { LeaseSnapshot } from '../cluster/lease-keeper.js';
import { TenantPolling } from '../cluster/polling.js';
import { replicaIdentity } from '../cluster/replica.js';
import { Auth0AuthError, ConfigError, SlackApiError, StateBusyError, StateError, asCodedError, type CodedError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { openStateStore } from '../state/open.js';
import type { StateStore } from '../state/store.js';
import { DryRunCheckpointStore, DryRunTally } from './checkpoint-store.js';
import type { CycleReport } from './poller.js';
import { startSchedule } from './scheduler.js';
import { retentionTask } from './retention.js';
import { waitForShutdownSignal } from './signals.js';
import { createTenantCycle, createTenantIntake, tenantDefaultChannel } from './tenant-cycle.js';
import type { TenantIntake } from '../intake/tenant-intake.js';
import { withStreamSilenceWatch } from '../intake/stream-health.js';
import { watchTenant, type WatchedCycle, type WatchedReport } from './tenant-watch.js';

type Retention = ReturnType<typeof retentionTask>;

export interface RunFlags {
  once: boolean;
  dryRun: boolean;
  json: boolean;
}

/**
 * Delivers the outbox to Slack. The poller never depends on it: it only fills
 * the outbox. Shaped after src/slack/sender.ts's `Sender`.
 */
/** What `run --once` reads from a drain (src/slack/sender.ts's DrainReport). */
export interface DrainSummary {
  paused?: boolean;
  failed?: number;
  dead?: number;
  unrecorded?: number;
  busy?: string[];
}

export interface AlertSender {
  /** Delivers what is pending, within a time budget; never throws for Slack errors. */
  drainOnce(options?: { deadlineMs?: number }): Promise<DrainSummary | void>;
  start(): void;
  stop(): Promise<void>;
  /** Wakes the sender after the poller queued alerts. */
  notify?(): void;
}

/** Something else the bot runs alongside polling (the Slack app, a health server). */
export interface Companion {
  stop(): Promise<void>;
}

export interface BotContext {
  config: AppConfig;
  store: StateStore;
  catalog: Catalog;
  /** The compiled, validated rules (for `/logcode rules` and lookups). */
  ruleSet: RuleSet;
  logger: Logger;
  /** Aborted on shutdown: a companion still starting (Socket Mode connecting) must stop too. */
  signal?: AbortSignal;
  /** `run --once`: no Slack app answers clicks, so messages carry no action buttons. */
  once?: boolean;
  /**
   * Whether a Slack app that answers Acknowledge / Resolve / Mute is running: set by
   * `startCompanions` once the app has actually started, never when it did not (and cleared
   * when it stops). The sender reads it per message: no button nobody answers.
   */
  slackActions: { live: boolean };
  /** This process among the replicas sharing the state: it owns channel and tenant leases under this name. */
  replicaId?: string;
  /** The tenants this replica holds now (status of its leases), for /healthz; undefined before polling starts. */
  leases?: () => LeaseSnapshot | undefined;
  /** Each tenant's intake, shared by its poll cycle and its log stream (empty in --dry-run). */
  intakes?: ReadonlyMap<string, TenantIntake>;
  /** Wakes the sender at once (a log-stream batch queued alerts). */
  wakeSender?: () => void;
}

export interface RunDeps {
  env: NodeJS.ProcessEnv;
  /** Builds the Slack sender; without it alerts stay queued in the outbox. */
  createSender?: (context: BotContext) => AlertSender | undefined;
  /** Starts the Slack app, health server… alongside polling (not in --once). */
  startCompanions?: (context: BotContext) => Promise<Companion[]>;
  logger?: Logger;
  /** Dry-run output. */
  write: (line: string) => void;
  /** Formats an alert for --dry-run (human line, or JSON with --json). */
  describe: (alert: Alert, context: { catalog: Catalog; tenant: TenantConfig; defaultChannel: string; json: boolean }) => string;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  shutdownSignal?: () => Promise<string>;
}

export const RUN_DEFAULTS = {
  /** Time budget for draining the outbox in --once. */
  onceDrainMs: 60_000,
  /**
   * How long the sender waits for the Slack app to start before posting without action
   * buttons (alerts queue durably meanwhile): a start takes about a second, and an alert
   * posted before it would carry no buttons for good.
   */
  appStartGraceMs: 15_000,
} as const;

/** `run`: validates everything first (exit 2, nothing fetched), then polls. Returns the exit code. */
export async function runBot(flags: RunFlags, deps: RunDeps): Promise<number> {
  const catalog = loadCatalog();
  // The rules are checked in the configuration's round: one exit 2 lists the environment's and the rules' problems.
  let loadedRules: RuleSet | undefined;
  const config = loadConfig(deps.env, {
    requireAuth0: true,
    requireSlack: !flags.dryRun,
    commandProblems: runFlagProblems(flags),
    checkRules: (dirs) => {
      try {
        loadedRules = loadEnabledRuleSet({ dirs }, catalog);
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

type PollingFor = (onReport: (report: WatchedReport) => void) => TenantPolling<WatchedReport>;

async function runOnce(
  pollingFor: PollingFor,
  sender: AlertSender | undefined,
  store: StateStore,
  logger: Logger,
  retention: Retention | undefined,
): Promise<number> {
  // This process's share of the tenants (all of them, unless other replicas run), each polled once.
  const reports: WatchedReport[] = [];
  await pollingFor((report) => reports.push(report)).runOnce();
  const stop = reports.find((report) => report.stop);
  if (stop) throw stop.error!;
  // From cron, the exit code is the only signal: alerts that stayed undelivered or failed are a failed run.
  const drained = sender ? await sender.drainOnce({ deadlineMs: RUN_DEFAULTS.onceDrainMs }) : undefined;
  const undelivered = drained ? await reportUndelivered(drained, store, logger) : false;
  await retention?.maybeRun();
  return reports.every((r) => r.ok) && !undelivered ? 0 : 1;
}

/**
 * After `run --once`'s drain: says how many alerts stayed undelivered or failed,
 * where and why; true when any did. Channels another process is delivering are
 * its business (said, not counted).
 */
async function reportUndelivered(drained: DrainSummary, store: StateStore, logger: Logger): Promise<boolean> {
  if (drained.paused === true) {
    logger.error('alerts stay queued: Slack rejected SLACK_BOT_TOKEN (see the error above); exit 1');
    return true;
  }
  const busy = new Set(drained.busy ?? []);
  if (busy.size > 0) logger.warn({ channels: [...busy] }, `left to the other auth0-log-alerts process delivering to ${[...busy].join(', ')}`);
  const stuck = (await store.outboxSummary()).filter((c) => !busy.has(c.channel) && (c.pending > 0 || c.failed > 0));
  const failedNow = (drained.failed ?? 0) + (drained.dead ?? 0) + (drained.unrecorded ?? 0);
  if (stuck.length === 0 && failedNow === 0) return false;
  for (const channel of stuck) {
    const why = channel.failed > 0 ? channel.lastError : channel.pendingError;
    logger.error(
      { channel: channel.channel, pending: channel.pending, failed: channel.failed },
      `${channel.channel}: ${channel.pending} alert(s) still pending, ${channel.failed} failed${why ? ` — ${why}` : ''}`,
    );
  }
  const pending = stuck.reduce((n, c) => n + c.pending, 0);
  const failed = stuck.reduce((n, c) => n + c.failed, 0);
  logger.error({ pending, failed, dead: drained.dead ?? 0 }, `run --once: ${pending} alert(s) undelivered and ${failed} failed (see \`auth0-log-alerts status\`); exit 1`);
  return true;
}

async function runContinuously(
  pollingFor: PollingFor,
  sender: AlertSender | undefined,
  context: BotContext,
  deps: RunDeps,
  shutdown: AbortController,
  retention: Retention | undefined,
): Promise<number> {
  const { config, logger } = context;
  let fatal: CodedError | undefined;
  let stopRequested: () => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopRequested = () => resolve('fatal error');
  });

  // Polling must not wait for Slack: alerts queue durably while the app connects.
  // Only a start-up failure no retry will fix (bad token, port taken) stops the bot.
  const companions: Companion[] = [];
  const companionsStarting = (deps.startCompanions?.(context) ?? Promise.resolve([])).then(
    (started) => {
      companions.push(...started);
    },
    (error: unknown) => {
      if (shutdown.signal.aborted) return;
      const coded = asCodedError(error);
      if (isFatalStartup(coded)) {
        fatal = coded;
        stopRequested();
      } else {
        logger.error({ code: coded.code, message: coded.message }, 'the Slack app did not start; polling and posting go on');
      }
    },
  );
  // The sender starts once the app's start has settled (or after a grace): whether messages
  // carry action buttons depends on the app that actually started.
  const grace = new AbortController();
  const senderStarting = Promise.race([companionsStarting, sleep(RUN_DEFAULTS.appStartGraceMs, AbortSignal.any([grace.signal, shutdown.signal]))]).then(() => {
    grace.abort();
    if (!shutdown.signal.aborted) sender?.start();
  });
  const polling = pollingFor((report) => {
    if (report.alertsQueued > 0) sender?.notify?.();
    if (report.stop && report.error && !shutdown.signal.aborted) {
      fatal = report.error;
      stopRequested();
    }
  });
  // The tenants this replica holds poll at once when taken, then on each tick, each on its own.
  polling.start();
  const schedule = startSchedule(
    config.pollSchedule,
    async () => {
      polling.tick();
      await retention?.maybeRun();
    },
    logger,
    { runImmediately: false },
  );
  logger.info({ schedule: config.pollSchedule, tenants: config.tenants.map((t) => t.key), state: context.store.description }, 'polling started');

  const reason = await Promise.race([(deps.shutdownSignal ?? waitForShutdownSignal)(), stopped]);
  logger.info({ reason }, 'stopping: finishing the current page');
  shutdown.abort();
  await schedule.stop();
  await polling.stop();
  await senderStarting;
  await sender?.stop();
  // A start still in progress is stopped by the signal; it must settle before the database closes.
  await companionsStarting;
  for (const companion of companions) await companion.stop();
  if (fatal) throw fatal;
  logger.info('stopped');
  return 0;
}

/** A companion that cannot start for a reason only the operator can fix. */
function isFatalStartup(error: CodedError): boolean {
  return error instanceof ConfigError || (error instanceof SlackApiError && error.details.reason === 'auth');
}

/** Errors no retry will fix: wrong credentials, a broken or shared database (a lock or a full disk passes). */
export function isFatal(error: CodedError | undefined): error is CodedError {
  if (error instanceof StateBusyError) return false;
  return error instanceof Auth0AuthError || error instanceof StateError;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function withStop(report: CycleReport): WatchedReport {
  return { ...report, stop: isFatal(report.error) };
}
