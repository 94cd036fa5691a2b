import type { Command } from 'commander';
import { UsageError } from '../errors.js';

// Placeholder until the command lands; replaced by its issue's work.
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('(not yet available)')
    .action(() => {
      throw new UsageError('demo is not available yet');
    });
}
