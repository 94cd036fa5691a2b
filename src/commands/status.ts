import type { Command } from 'commander';
import { UsageError } from '../errors.js';

// Placeholder until the command lands; replaced by its issue's work.
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('(not yet available)')
    .action(() => {
      throw new UsageError('status is not available yet');
    });
}
