import { resolve } from 'node:path';
import { userRuleDirs } from '../engine/index.js';
import { parseDuration } from '../engine/duration.js';
import { ConfigError } from '../errors.js';
import { definedOnly, readEnvFile } from './env-file.js';
import { EnvSchema, lenientValues } from './env-schema.js';
import { envTenant } from './env-tenant.js';
import { registerSecrets } from '../secrets.js';
import { slackTokenProblems } from './placeholders.js';
import { registerEnvSecrets, shortSecretWarnings, shortTokenWarnings } from './secret-checks.js';
import { parseStartFrom, type StartFrom } from './start-from.js';
import type { TenantConfig } from './tenant.js';
import { loadTenantsFile } from './tenants-file.js';

export type { Auth0Domain, DashboardLocation } from './domain.js';
export type { StartFrom } from './start-from.js';
export { applyEnvFile, envFileWarnings } from './env-file.js';
export { ENV_NAMES } from './env-schema.js';
export { startInstant } from './start-from.js';
export { buildTenant, type TenantConfig } from './tenant.js';

export interface AppConfig {
  tenants: TenantConfig[];
  slack: {
    botToken?: string;
    appToken?: string;
    signingSecret?: string;
    apiUrl: string;
    /** SLACK_RESPONDERS: user (U…/W…) and user-group (S…) ids allowed to acknowledge, resolve, mute; empty: everyone. */
    responders?: string[];
  };
  alertChannel?: string;
  pollSchedule: string;
  stateDb: string;
  /** DATABASE_URL: the PostgreSQL back end instead of the SQLite file (never printed: it may hold a password). */
  databaseUrl?: string;
  /** REPLICA_ID: this process's name among replicas (default host:pid:random). */
  replicaId?: string;
  /** TENANT_LEASE_MS: how long a replica's hold on a tenant lasts without renewal. */
  tenantLeaseMs: number;
  /** The user's rule folders, layered over the bundled defaults (RULES_DIR, else ./rules when present). */
  rulesDirs: string[];
  startFrom: StartFrom;
  port: number;
  healthPort?: number;
  logLevel: string;
  /** When the bot tells about itself (notices, status, /healthz) and retries a rejected tenant. */
  selfWatch: SelfWatchConfig;
  /** METRICS_TOKEN: `GET /metrics` then asks for `Authorization: Bearer <it>`. */
  metricsToken?: string;
}

export interface SelfWatchConfig {
  /** NOTICE_POLL_FAILING_AFTER: a tenant failing to poll this long gets a notice. */
  pollFailingAfterMs: number;
  /** NOTICE_BACKLOG_AFTER: the oldest pending alert older than this gets a notice. */
  backlogAfterMs: number;
  /** AUTH0_REJECTED_RETRY: a tenant whose credentials are rejected is retried this often (the others go on). */
  rejectedRetryMs: number;
  /**
   * STREAM_SILENT_AFTER: a log stream delivering nothing this long (since its last delivery or the bot's start)
   * while polling finds events gets a notice. Always set by loadConfig. @default 15 min (STREAM_HEALTH_DEFAULTS)
   */
  streamSilentAfterMs?: number;
}

export interface LoadConfigOptions {
  /** Auth0 credentials must be present (run). @default true */
  requireAuth0?: boolean;
  /** SLACK_BOT_TOKEN and ALERT_CHANNEL must be present (run without --dry-run). @default false */
  requireSlack?: boolean;
  /** `.env` file read when present; variables already set win. @default '<cwd>/.env' */
  envFile?: string | false;
  /** Problems of the command line (`--json` without `--dry-run`), reported with the configuration's. @default [] */
  commandProblems?: readonly string[];
  /**
   * Loads the rules from the configured folders and returns their problems,
   * reported in the same round as the environment's (one exit 2 lists both).
   */
  checkRules?: (rulesDirs: string[]) => readonly string[];
  /** Receives what is worth saying but works as is (a short LOG_STREAM_TOKEN); `run` logs these at start. */
  warnings?: string[];
}

/** `run`'s flags that only make sense together. */
export function runFlagProblems(flags: { json?: boolean; dryRun?: boolean }): string[] {
  return flags.json && !flags.dryRun ? ['--json needs --dry-run: only a dry run prints the messages instead of posting them'] : [];
}

export const CONFIG_DEFAULTS = {
  slackApiUrl: 'https://slack.com/api/',
  pollSchedule: '*/30 * * * * *',
  stateDb: './data/state.db',
  startFrom: 'now',
  port: 3000,
  logLevel: 'info',
  noticePollFailingAfter: '10m',
  noticeBacklogAfter: '15m',
  auth0RejectedRetry: '5m',
  streamSilentAfter: '15m',

  /** A dead replica's tenants are taken over within this plus a third of it (20 s). */
  tenantLeaseMs: 15_000,
} as const;

/**
 * Reads and validates the whole configuration. Every problem is collected and
 * reported in one ConfigError (exit 2) before anything touches the network.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): AppConfig {
  const { requireAuth0 = true, requireSlack = false } = options;
  const envFile = options.envFile === undefined ? resolve('.env') : options.envFile;
  const problems: string[] = [...(options.commandProblems ?? [])];
  const cutByHash = new Set<string>();
  const merged = { ...readEnvFile(envFile, problems, cutByHash), ...definedOnly(env) };

  const parsed = EnvSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(issue.message);
  }
  // The valid fields of a partly invalid environment still let us report every other problem in one pass.
  const source = parsed.success ? parsed.data : lenientValues(merged);

  const startFrom = parseStartFrom(source.START_FROM ?? CONFIG_DEFAULTS.startFrom);
  if ('problem' in startFrom) problems.push(startFrom.problem);

  const problemsBefore = problems.length;
  const tenantWarnings: string[] = [];
  const tenants = source.TENANTS_FILE
    ? loadTenantsFile(source.TENANTS_FILE, merged, problems, source.LOG_STREAM_TOKEN, tenantWarnings)
    : envTenant(source, requireAuth0, problems);
  // An unreadable file already said why; "lists no tenant" would only add noise.
  if (requireAuth0 && source.TENANTS_FILE && tenants.length === 0 && problems.length === problemsBefore) {
    problems.push(`TENANTS_FILE ${source.TENANTS_FILE} lists no tenant`);
  }

  problems.push(...slackTokenProblems(source.SLACK_BOT_TOKEN, source.SLACK_APP_TOKEN));
  if (requireSlack) {
    if (!source.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN is missing (the bot token, xoxb-…)');
    const everyTenantHasChannel = tenants.length > 0 && tenants.every((t) => t.defaultChannel);
    if (!source.ALERT_CHANNEL && !everyTenantHasChannel) {
      problems.push('ALERT_CHANNEL is missing (the channel alerts go to, e.g. #auth0-alerts or C0123456789)');
    }
  }

  // A variable an unquoted # emptied in .env is explained once, by that problem, not also as missing.
  const missingAlready = (problem: string) => [...cutByHash].some((name) => !merged[name] && problem.startsWith(`${name} is missing`));
  for (let index = problems.length - 1; index >= 0; index--) if (missingAlready(problems[index]!)) problems.splice(index, 1);

  const rulesDirs = userRuleDirs({ RULES_DIR: source.RULES_DIR });
  if (options.checkRules) problems.push(...options.checkRules(rulesDirs));

  options.warnings?.push(...shortTokenWarnings(source), ...shortSecretWarnings(merged), ...tenantWarnings);

  // From here on no text (log line, stored error, status) may contain these.
  registerEnvSecrets(merged);
  registerSecrets(...tenants.flatMap((t) => [t.clientSecret, t.logStreamToken]));
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    tenants,
    slack: {
      botToken: source.SLACK_BOT_TOKEN,
      appToken: source.SLACK_APP_TOKEN,
      signingSecret: source.SLACK_SIGNING_SECRET,
      apiUrl: source.SLACK_API_URL ?? CONFIG_DEFAULTS.slackApiUrl,
      responders: (source.SLACK_RESPONDERS ?? '').split(/[\s,]+/).filter(Boolean),
    },
    alertChannel: source.ALERT_CHANNEL,
    pollSchedule: source.POLL_SCHEDULE ?? CONFIG_DEFAULTS.pollSchedule,
    stateDb: source.STATE_DB ?? CONFIG_DEFAULTS.stateDb,
    ...(source.DATABASE_URL ? { databaseUrl: source.DATABASE_URL } : {}),
    ...(source.REPLICA_ID ? { replicaId: source.REPLICA_ID } : {}),
    tenantLeaseMs: source.TENANT_LEASE_MS ? Number(source.TENANT_LEASE_MS) : CONFIG_DEFAULTS.tenantLeaseMs,
    rulesDirs,
    startFrom: startFrom as StartFrom,
    port: source.PORT ?? CONFIG_DEFAULTS.port,
    healthPort: source.HEALTH_PORT,
    logLevel: source.LOG_LEVEL ?? CONFIG_DEFAULTS.logLevel,
    ...(source.METRICS_TOKEN ? { metricsToken: source.METRICS_TOKEN } : {}),
    selfWatch: {
      pollFailingAfterMs: source.NOTICE_POLL_FAILING_AFTER ?? parseDuration(CONFIG_DEFAULTS.noticePollFailingAfter)!,
      backlogAfterMs: source.NOTICE_BACKLOG_AFTER ?? parseDuration(CONFIG_DEFAULTS.noticeBacklogAfter)!,
      rejectedRetryMs: source.AUTH0_REJECTED_RETRY ?? parseDuration(CONFIG_DEFAULTS.auth0RejectedRetry)!,
      streamSilentAfterMs: source.STREAM_SILENT_AFTER ?? parseDuration(CONFIG_DEFAULTS.streamSilentAfter)!,
    },
  };
}
