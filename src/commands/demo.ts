import type { Command } from 'commander';
import { loadCatalog } from '../catalog/index.js';
import { renderCalls } from '../demo/render.js';
import { loadRuleLayers } from '../engine/index.js';
import { addRulesOption, type RulesFlag } from './rule-sources.js';

interface DemoFlags extends RulesFlag {
  json?: boolean;
}

export function registerDemo(program: Command): void {
  addRulesOption(
    program
      .command('demo')
      .description('Replay a bundled sample of Auth0 logs through the default rules and show the Slack messages (no credentials, no network)'),
  )
    .option('--json', 'one chat.postMessage body per line (stdout is JSON only)')
    .addHelpText(
      'after',
      '\nThe sample: normal logins, a breached password, a brute-force burst from one IP,\nthe account lockout and IP block it causes, and a security setting change.\nWith --rules DIR, your rules (and defaults.yml) are layered over the defaults, as run uses them.\nNothing is posted and no state file is written.\n\nExit codes: 0 shown, 1 invalid rules, 2 usage error.',
    )
    .action(async (flags: DemoFlags) => {
      const catalog = loadCatalog();
      // Without --rules the demo shows the default pack, whatever RULES_DIR says.
      const rulesDirs = flags.rules ?? [];
      const { problems } = loadRuleLayers({ dirs: rulesDirs }, catalog);
      if (problems.length > 0) {
        for (const problem of problems) process.stderr.write(`error ${problem.message}\n`);
        process.stderr.write('demo: the rules are invalid (see rules check)\n');
        process.exitCode = 1;
        return;
      }
      // The simulated bot (sender, SQLite in memory) is loaded only when the demo runs.
      const { simulateDemo } = await import('../demo/simulate.js');
      const calls = await simulateDemo({ catalog, rulesDirs });
      if (flags.json) {
        for (const call of calls) if (call.method === 'chat.postMessage') process.stdout.write(`${JSON.stringify(call.body)}\n`);
        return;
      }
      const posted = calls.filter((call) => call.method === 'chat.postMessage');
      const replies = posted.filter((call) => call.body.thread_ts).length;
      process.stdout.write(renderCalls(calls, { color: process.stdout.isTTY === true }));
      process.stdout.write(
        `\n${posted.length - replies} channel message(s), ${replies} thread repl${replies === 1 ? 'y' : 'ies'}, ${calls.length - posted.length} update(s) — as the bot would post them to Slack.\n`,
      );
    });
}
