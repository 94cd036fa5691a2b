import type { Command } from 'commander';
import { UsageError } from '../errors.js';

// Placeholder until the command lands; replaced by its issue's work.
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('(not yet available)')
    .action(() => {
      throw new UsageError('run is not available yet');
    });
}
