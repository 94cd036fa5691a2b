import type { Catalog } from '../catalog/types.js';
import type { LeaseSnapshot } from '../cluster/lease-keeper.js';
import type { TenantPolling } from '../cluster/polling.js';
import type { AppConfig, TenantConfig } from '../config/index.js';
import type { Alert, RuleSet } from '../engine/index.js';
import type { TenantIntake } from '../intake/tenant-intake.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import type { retentionTask } from './retention.js';
import type { WatchedReport } from './tenant-watch.js';

/** What `run` wires together and the modes it runs in (src/run/bot.ts). */

export interface RunFlags {
  once: boolean;
  dryRun: boolean;
  json: boolean;
}

/** What `run --once` reads from a drain (src/slack/sender.ts's DrainReport). */
export interface DrainSummary {
  paused?: boolean;
  failed?: number;
  dead?: number;
  unrecorded?: number;
  busy?: string[];
}

/**
 * Delivers the outbox to Slack. The poller never depends on it: it only fills
 * the outbox. Shaped after src/slack/sender.ts's `Sender`.
 */
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

export type Retention = ReturnType<typeof retentionTask>;

/** Starts polling this process's share of the tenants, each report handed to `onReport`. */
export type PollingFor = (onReport: (report: WatchedReport) => void) => TenantPolling<WatchedReport>;
