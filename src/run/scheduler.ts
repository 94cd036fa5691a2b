import cron from 'node-cron';
import type { Logger } from '../log.js';

/**
 * Runs `task` now and on every tick of a node-cron expression, never two at
 * once: a tick that arrives while a run is still going is skipped and logged.
 */
export interface PollSchedule {
  /** Stops future ticks and resolves when the run in progress (if any) has finished. */
  stop(): Promise<void>;
  /** The run in progress, if any. */
  current(): Promise<void> | undefined;
}

/** The no-overlap rule on its own, testable without cron or timers. */
export function exclusive(task: () => Promise<void>, onSkip: () => void): { tick: () => Promise<void>; current: () => Promise<void> | undefined } {
  let running: Promise<void> | undefined;
  return {
    tick: () => {
      if (running) {
        onSkip();
        return running;
      }
      running = task().finally(() => {
        running = undefined;
      });
      return running;
    },
    current: () => running,
  };
}

export function startSchedule(
  expression: string,
  task: () => Promise<void>,
  logger: Logger,
  options: { runImmediately?: boolean } = {},
): PollSchedule {
  const guard = exclusive(task, () => logger.warn({ schedule: expression }, 'poll tick skipped: the previous cycle is still running'));
  const cronTask = cron.schedule(expression, () => {
    void guard.tick();
  });
  if (options.runImmediately ?? true) void guard.tick();
  return {
    current: guard.current,
    async stop() {
      await cronTask.stop();
      await cronTask.destroy();
      await guard.current();
    },
  };
}
