#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { packageVersion } from './version.js';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { envFileWarnings } from './config/env-file.js';
import { registerEnvSecrets } from './config/secret-checks.js';
import { asCodedError } from './errors.js';
import { registerLookup } from './commands/lookup.js';
import { registerRules } from './commands/rules.js';
import { registerReplay } from './commands/replay.js';
import { registerRun } from './commands/run.js';
import { registerDemo } from './commands/demo.js';
import { registerStatus } from './commands/status.js';
import { limitHeapGrowth } from './run/heap-growth.js';

/** Builds the command tree; exported so tests can drive it without a process. */
export function buildProgram(): Command {
  const program = new Command('auth0-log-alerts')
    .description('Watch an Auth0 tenant’s logs and alert a Slack channel on dangerous events.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 ok, 1 a negative result (no match, invalid rules, failed tests, alerts not delivered), 2 usage or configuration error.\nEach command\'s --help lists its own.');
  for (const register of [registerLookup, registerRules, registerReplay, registerRun, registerDemo, registerStatus]) {
    register(program);
  }
  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  // Before any command's action, whichever it is (status opens DATABASE_URL without loadConfig): from here on no error,
  // log line or output may hold a secret of the environment — one place, so a new command cannot forget it.
  program.hook('preAction', () => registerEnvSecrets(process.env));
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 negative result, 2 usage/config error. */
export async function main(argv: string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for (`--help`, `help`) is a success; help shown because no command was given is a usage error.
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code) && error.exitCode === 0;
      return ok ? 0 : 2;
    }
    const coded = asCodedError(error);
    process.stderr.write(`auth0-log-alerts: ${coded.message}\n`);
    return coded.exitCode;
  }
}

function invokedAsScript(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedAsScript()) {
  // Before the work allocates: a catch-up otherwise peaks at 4× its live heap (see heap-growth.ts).
  limitHeapGrowth();
  // `.env` problems (an unquoted #channel): `run`'s configuration check reports them itself, once.
  for (const problem of envFileWarnings(process.argv.slice(2), process.env)) process.stderr.write(`auth0-log-alerts: warning: ${problem}\n`);
  // `… --json | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
