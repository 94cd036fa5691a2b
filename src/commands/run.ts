import type { Command } from 'commander';

interface RunCommandFlags {
  once?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** The environment `run` reads, one line each (README, Configuration, has the details). */
const RUN_ENVIRONMENT: ReadonlyArray<[string, string]> = [
  ['AUTH0_DOMAIN', 'tenant domain (acme.eu.auth0.com), or a http(s):// URL'],
  ['AUTH0_CLIENT_ID', 'machine-to-machine application with read:logs'],
  ['AUTH0_CLIENT_SECRET', 'its secret (never logged)'],
  ['AUTH0_AUDIENCE', 'Management API audience (default https://{domain}/api/v2/)'],
  ['AUTH0_DASHBOARD_REGION', 'with AUTH0_DASHBOARD_TENANT: dashboard location for custom domains'],
  ['AUTH0_DASHBOARD_TENANT', 'see AUTH0_DASHBOARD_REGION (set both)'],
  ['TENANTS_FILE', 'YAML list of several tenants (instead of AUTH0_*)'],
  ['SLACK_BOT_TOKEN', 'bot token xoxb-… (not needed with --dry-run)'],
  ['SLACK_APP_TOKEN', 'app-level token xapp-…: /logcode over Socket Mode'],
  ['SLACK_SIGNING_SECRET', '/logcode over HTTP on PORT instead'],
  ['SLACK_RESPONDERS', 'user / user-group ids allowed to acknowledge, resolve, mute (default everyone)'],
  ['SLACK_API_URL', 'Slack Web API base URL (default https://slack.com/api/)'],
  ['ALERT_CHANNEL', 'default channel for alerts (#security-alerts or an ID)'],
  ['POLL_SCHEDULE', 'node-cron expression (default "*/30 * * * * *")'],
  ['STATE_DB', 'SQLite state file (default ./data/state.db)'],
  ['DATABASE_URL', 'postgres://…: state in PostgreSQL instead, shared by replicas'],
  ['REPLICA_ID', 'this process among replicas (default host:pid:random)'],
  ['TENANT_LEASE_MS', "a replica's hold on a tenant without renewal (default 15000)"],
  ['RULES_DIR', 'your rules folder(s), layered over the default rules (default ./rules)'],
  ['START_FROM', 'first run only: now, a duration (24h) or an ISO date (default now)'],
  ['PORT', 'the bot\'s HTTP server: Slack HTTP mode, log stream, /healthz, /metrics (default 3000)'],
  ['HEALTH_PORT', 'GET /healthz and /metrics in Socket Mode or without a Slack app (else not served without a log stream)'],
  ['LOG_STREAM_TOKEN', 'turns on POST /auth0/log-stream: the Auth0 log stream\'s token (never logged)'],
  ['METRICS_TOKEN', 'GET /metrics asks for this bearer token; with it, GET /healthz answers with per-tenant detail'],
  ['LOG_LEVEL', 'pino level (default info)'],
  ['NOTICE_POLL_FAILING_AFTER', 'notice in Slack when a tenant fails to poll this long (default 10m)'],
  ['NOTICE_BACKLOG_AFTER', 'notice when the oldest undelivered alert is this old (default 15m)'],
  ['AUTH0_REJECTED_RETRY', 'retry a tenant whose credentials are rejected this often (default 5m)'],
  ['STREAM_SILENT_AFTER', 'notice when a log stream delivers nothing this long while polling finds events, counted from its last delivery or the start (default 15m)'],
];

const RUN_HELP = [
  '',
  'Environment (also read from .env in the working folder; the real environment wins):',
  ...RUN_ENVIRONMENT.map(([name, meaning]) => `  ${name.padEnd(27)}${meaning}`.trimEnd()),
  '',
  'Examples:',
  '  auth0-log-alerts run',
  '  auth0-log-alerts run --once',
  '  auth0-log-alerts run --once --dry-run --json',
  '',
  'Exit codes: 0 ok; 1 (--once) a poll cycle failed, or alerts stayed undelivered or failed in this run',
  '(the log says how many, where and why; a rejected Slack token keeps them queued);',
  '2 usage or configuration error (every problem listed), no enabled rule, or the credentials of the only tenant',
  'rejected at the first contact (otherwise a rejected tenant is reported and retried while others go on).',
].join('\n');

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Poll the Auth0 logs on POLL_SCHEDULE, queue alerts and post them to Slack')
    .option('--once', 'one poll cycle, then drain the outbox and exit (for system cron)')
    .option('--dry-run', 'print the alerts instead of queuing them; neither the checkpoint nor the outbox changes')
    .option('--json', 'with --dry-run: one chat.postMessage body per alert per line (stdout is JSON only)')
    .addHelpText('after', RUN_HELP)
    .action(async (flags: RunCommandFlags) => {
      // Loaded only when `run` runs: the bot's modules (Slack, Auth0, state back ends) are most
      // of the CLI's start-up time, and replay, rules, lookup and --help need none of them.
      const [{ runBot }, { runDeps }] = await Promise.all([import('../run/bot.js'), import('./run-deps.js')]);
      process.exitCode = await runBot(
        { once: flags.once === true, dryRun: flags.dryRun === true, json: flags.json === true },
        { ...runDeps, env: process.env },
      );
    });
}
