import type { Command } from 'commander';
import { UsageError } from '../errors.js';

// Placeholder until the command lands; replaced by its issue's work.
export function registerLookup(program: Command): void {
  program
    .command('lookup')
    .description('(not yet available)')
    .action(() => {
      throw new UsageError('lookup is not available yet');
    });
}
