import type { Command } from 'commander';
import { loadCatalog } from '../catalog/index.js';
import { renderCalls } from '../demo/render.js';
import { simulateDemo } from '../demo/simulate.js';

interface DemoFlags {
  json?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Replay a bundled sample of Auth0 logs through the default rules and show the Slack messages (no credentials, no network)')
    .option('--json', 'one chat.postMessage body per line (stdout is JSON only)')
    .addHelpText(
      'after',
      '\nThe sample: normal logins, a breached password, a brute-force burst from one IP,\nthe account lockout and IP block it causes, and a security setting change.\nNothing is posted and no state file is written.',
    )
    .action(async (flags: DemoFlags) => {
      const calls = await simulateDemo({ catalog: loadCatalog() });
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
