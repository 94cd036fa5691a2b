import type { Command } from 'commander';
import { userRuleDirs, type RuleSources } from '../engine/index.js';

export interface RulesFlag {
  /** Every `--rules DIR` given, in order. */
  rules?: string[];
}

/** Adds `--rules DIR` (repeatable): the user's rule folders, layered over the default rules. */
export function addRulesOption(command: Command): Command {
  return command.option(
    '--rules <dir>',
    'your rules folder, layered over the default rules (repeatable; default: RULES_DIR, else ./rules when present)',
    (dir: string, previous: string[] | undefined) => [...(previous ?? []), dir],
  );
}

/** The folders `--rules` names, else RULES_DIR / ./rules. */
export function ruleSources(flags: RulesFlag, env: NodeJS.ProcessEnv = process.env): RuleSources {
  return { dirs: flags.rules ?? userRuleDirs(env) };
}
