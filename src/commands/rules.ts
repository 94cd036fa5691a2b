import type { Command } from 'commander';
import { UsageError } from '../errors.js';

// Placeholder until the command lands; replaced by its issue's work.
export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('(not yet available)')
    .action(() => {
      throw new UsageError('rules is not available yet');
    });
}
