import type { Command } from 'commander';
import { UsageError } from '../errors.js';

// Placeholder until the command lands; replaced by its issue's work.
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('(not yet available)')
    .action(() => {
      throw new UsageError('replay is not available yet');
    });
}
