import type { Command } from 'commander';
import { runBot, type RunDeps } from '../run/bot.js';
import { describeRule } from '../engine/index.js';
import { slackAppMode, startSlackCompanion } from '../slack/app.js';
import { formatPreview } from '../slack/format-repeat.js';
import { createSender } from '../slack/sender.js';
import { createSlackClient } from '../slack/poster.js';
import { describeAlert } from './replay.js';

interface RunCommandFlags {
  once?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * The concrete Slack pieces (sender, Bolt app, health server) plug in here;
 * the poller itself knows nothing of Slack.
 */
export const runDeps: Omit<RunDeps, 'env'> = {
  createSender: ({ config, store, catalog, logger, once }) =>
    createSender({
      // Buttons only where a Slack app receives the clicks (Socket Mode or HTTP mode, not --once).
      interactive: !once && slackAppMode(config.slack) !== undefined,
      store,
      catalog,
      logger,
      client: createSlackClient({ token: config.slack.botToken ?? '', apiUrl: config.slack.apiUrl }),
      defaultChannel: config.alertChannel ?? '',
      dashboardFor: (key) => config.tenants.find((tenant) => tenant.key === key)?.dashboard,
    }),
  startCompanions: async ({ config, store, catalog, ruleSet, logger, signal }) => {
    const companion = await startSlackCompanion({
      config,
      store,
      catalog,
      logger,
      signal,
      rules: () => ruleSet.rules.map((compiled) => describeRule(compiled.rule)),
    });
    return companion ? [companion] : [];
  },
  write: (line) => process.stdout.write(`${line}\n`),
  describe: (alert, { catalog, tenant, defaultChannel, json }) =>
    json
      ? JSON.stringify(formatPreview(alert, { catalog, defaultChannel, dashboard: tenant.dashboard }))
      : describeAlert(alert, defaultChannel),
};

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Poll the Auth0 logs on POLL_SCHEDULE, queue alerts and post them to Slack')
    .option('--once', 'one poll cycle, then drain the outbox and exit (for system cron)')
    .option('--dry-run', 'print the alerts instead of queuing them; neither the checkpoint nor the outbox changes')
    .option('--json', 'with --dry-run: one chat.postMessage body per alert per line (stdout is JSON only)')
    .addHelpText(
      'after',
      '\nExamples:\n  auth0-log-alerts run\n  auth0-log-alerts run --once\n  auth0-log-alerts run --once --dry-run --json\n\nExit codes: 0 ok, 1 a poll cycle failed (--once), 2 configuration error or credentials rejected.',
    )
    .action(async (flags: RunCommandFlags) => {
      process.exitCode = await runBot(
        { once: flags.once === true, dryRun: flags.dryRun === true, json: flags.json === true },
        { ...runDeps, env: process.env },
      );
    });
}
