import { ConfigError, SlackApiError, asCodedError, type CodedError } from '../errors.js';
import { startSchedule } from './scheduler.js';
import { waitForShutdownSignal } from './signals.js';
import { RUN_DEFAULTS, type AlertSender, type BotContext, type Companion, type PollingFor, type Retention, type RunDeps } from './bot-types.js';

/** `run`: polls on the schedule beside the sender and the companions until a signal or a fatal error; the exit code. */
export async function runContinuously(
  pollingFor: PollingFor,
  sender: AlertSender | undefined,
  context: BotContext,
  deps: RunDeps,
  shutdown: AbortController,
  retention: Retention | undefined,
): Promise<number> {
  const { config, logger } = context;
  let fatal: CodedError | undefined;
  let stopRequested: () => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopRequested = () => resolve('fatal error');
  });

  // Polling must not wait for Slack: alerts queue durably while the app connects.
  // Only a start-up failure no retry will fix (bad token, port taken) stops the bot.
  const companions: Companion[] = [];
  const companionsStarting = (deps.startCompanions?.(context) ?? Promise.resolve([])).then(
    (started) => {
      companions.push(...started);
    },
    (error: unknown) => {
      if (shutdown.signal.aborted) return;
      const coded = asCodedError(error);
      if (isFatalStartup(coded)) {
        fatal = coded;
        stopRequested();
      } else {
        logger.error({ code: coded.code, message: coded.message }, 'the Slack app did not start; polling and posting go on');
      }
    },
  );
  // The sender starts once the app's start has settled (or after a grace): whether messages
  // carry action buttons depends on the app that actually started.
  const grace = new AbortController();
  const senderStarting = Promise.race([companionsStarting, sleep(RUN_DEFAULTS.appStartGraceMs, AbortSignal.any([grace.signal, shutdown.signal]))]).then(() => {
    grace.abort();
    if (!shutdown.signal.aborted) sender?.start();
  });
  const polling = pollingFor((report) => {
    if (report.alertsQueued > 0) sender?.notify?.();
    if (report.stop && report.error && !shutdown.signal.aborted) {
      fatal = report.error;
      stopRequested();
    }
  });
  // The tenants this replica holds poll at once when taken, then on each tick, each on its own.
  polling.start();
  const schedule = startSchedule(
    config.pollSchedule,
    async () => {
      polling.tick();
      await retention?.maybeRun();
    },
    logger,
    { runImmediately: false },
  );
  logger.info({ schedule: config.pollSchedule, tenants: config.tenants.map((t) => t.key), state: context.store.description }, 'polling started');

  const reason = await Promise.race([(deps.shutdownSignal ?? waitForShutdownSignal)(), stopped]);
  logger.info({ reason }, 'stopping: finishing the current page');
  shutdown.abort();
  await schedule.stop();
  await polling.stop();
  await senderStarting;
  await sender?.stop();
  // A start still in progress is stopped by the signal; it must settle before the database closes.
  await companionsStarting;
  for (const companion of companions) await companion.stop();
  if (fatal) throw fatal;
  logger.info('stopped');
  return 0;
}

/** A companion that cannot start for a reason only the operator can fix. */
function isFatalStartup(error: CodedError): boolean {
  return error instanceof ConfigError || (error instanceof SlackApiError && error.details.reason === 'auth');
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
