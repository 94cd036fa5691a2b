import type { LogEvent } from '../auth0/log-event.js';
import { asCodedError, type CodedError } from '../errors.js';
import type { TenantIntake } from '../intake/tenant-intake.js';
import type { Logger } from '../log.js';
import { metrics } from '../metrics/index.js';
import type { CycleReport } from './poller.js';

/**
 * Pages fetched but not yet stored: their events, and the position after the
 * last of them. `commit` evaluates and stores all of it in one intake step
 * (one transaction): held for at most `every` pages, so at most ~5,000 events.
 */
export class PageBatch {
  /** The stored checkpoint the pending pages were read after. */
  after: string | null = null;
  #events: LogEvent[] = [];
  #pages = 0;
  #firstAt = 0;
  #last: { checkpoint: string; checkpointDate: string | null } | undefined;

  constructor(
    private readonly intake: TenantIntake,
    private readonly every: { pages: number; ms: number },
    private readonly now: () => number,
    private readonly report: CycleReport,
  ) {}

  add(events: readonly LogEvent[], checkpoint: string, checkpointDate: string | null): void {
    if (this.#pages === 0) this.#firstAt = this.now();
    this.#pages += 1;
    for (const event of events) this.#events.push(event);
    // A page of only already-seen or malformed events keeps the previous event date.
    const date = checkpointDate ?? this.#last?.checkpointDate ?? null;
    this.#last = { checkpoint, checkpointDate: date };
  }

  due(): boolean {
    return this.#pages >= this.every.pages || this.now() - this.#firstAt >= this.every.ms;
  }

  async commit(): Promise<void> {
    const last = this.#last;
    if (!last) return;
    const events = this.#events;
    // Cleared first: a commit that throws is not attempted again by the error path.
    this.#last = undefined;
    this.#events = [];
    this.#pages = 0;
    const result = await this.intake.commitPages({ after: this.after, checkpoint: last.checkpoint, checkpointDate: last.checkpointDate, events });
    this.after = last.checkpoint;
    this.report.checkpoint = last.checkpoint;
    // A dry run's store prints the alerts instead of queuing them.
    if (this.report.wouldQueue !== undefined) this.report.wouldQueue += result.alertsQueued;
    else this.report.alertsQueued += result.alertsQueued;
    this.report.alreadySeen += result.duplicates;
    // Events the engine could not evaluate were skipped (and named in a warning by the intake).
    this.report.malformed += result.skipped;
    metrics.eventsIngested('poll', this.intake.tenant, { ...result, malformed: 0 });
  }
}

export async function commitAfterFailure(batch: PageBatch, logger: Logger, tenant: string): Promise<{ ok: true } | { ok: false; error: CodedError }> {
  try {
    await batch.commit();
    return { ok: true };
  } catch (error) {
    const coded = asCodedError(error);
    logger.error({ tenant, errorCode: coded.code, error: coded.message }, 'could not store the pages evaluated before the failure');
    return { ok: false, error: coded };
  }
}
