import type { SlackApiError } from '../errors.js';
import type { NormalizedSenderOptions } from './sender-options.js';
import type { DrainRun } from './sender-types.js';

/** Ends the note a rejected token leaves on pending rows: `status` reads it as "nothing can be posted". */
export const TOKEN_PAUSED_NOTE = '(kept pending; sending paused)';

/**
 * A rejected token is not the messages' fault: every row stays pending (the
 * reason noted on them for `status`), the whole sender pauses, and the
 * operator is told once — until the token works again.
 */
export class TokenPause {
  /** Slack rejected the token: no call before this time (epoch ms). */
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private rejected = false;

  constructor(private readonly options: Pick<NormalizedSenderOptions, 'store' | 'logger' | 'clock' | 'authPauseMs'>) {}

  /** How long sending stays paused from now (≤ 0: not paused). */
  remainingMs(): number {
    return this.pausedUntil - this.options.clock.now();
  }

  isPaused(): boolean {
    return this.remainingMs() > 0;
  }

  async pause(run: DrainRun, error: SlackApiError): Promise<void> {
    const { store, logger, clock, authPauseMs } = this.options;
    run.halted = true;
    this.pausedUntil = clock.now() + authPauseMs;
    await store.notePendingError(`${error.message} ${TOKEN_PAUSED_NOTE}`);
    if (this.rejected) return;
    this.rejected = true;
    const minutes = Math.max(1, Math.round(authPauseMs / 60_000));
    logger.error(
      { method: error.details.method, slackError: error.details.apiError, pauseMs: authPauseMs },
      `Slack rejected SLACK_BOT_TOKEN (${error.details.apiError ?? error.details.reason}): no alert can be posted — reinstall the app to the workspace, ` +
        `or check the token in SLACK_BOT_TOKEN (the app's Bot User OAuth Token). Alerts stay queued, none is marked failed; trying again every ${minutes} min`,
    );
  }

  /** A message went through: a token rejected earlier works again (said once). */
  accepted(): void {
    if (!this.rejected) return;
    this.rejected = false;
    this.options.logger.info('SLACK_BOT_TOKEN works again; sending the queued alerts');
  }
}
