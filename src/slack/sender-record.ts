import { asCodedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import type { Delivery } from './stages/prepare.js';
import { recordDelivery } from './stages/record.js';

type Posted = { ts: string | null; channel: string };

/**
 * After Slack said ok, a message is never posted again (issue #10 §2): when
 * recording it fails (disk full, a lock), what Slack answered is kept here, the
 * channel waits, and only the recording is retried — before the channel posts
 * anything else, and a last time at stop().
 */
export class DeliveryRecorder {
  readonly #waiting = new Map<string, { delivery: Delivery; posted: Posted; at: Date }>();

  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {}

  /** Channels holding a delivery Slack accepted but not recorded yet. */
  channels(): string[] {
    return [...this.#waiting.keys()];
  }

  waits(channel: string): boolean {
    return this.#waiting.has(channel);
  }

  /** Records what Slack accepted; false (kept in memory, the channel must stop) when the recording failed. */
  async record(channel: string, delivery: Delivery, posted: Posted, at: Date): Promise<boolean> {
    try {
      if (!(await recordDelivery(this.store, delivery, posted, at))) this.#partRecordedAlready(channel, delivery);
    } catch (error) {
      this.#waiting.set(channel, { delivery, posted, at });
      this.logger.error(
        { channel, ts: posted.ts, error: asCodedError(error).message },
        `Slack accepted the message (ts ${posted.ts ?? 'none'}) but recording it failed; ${channel} waits until the recording succeeds — the message is not posted again`,
      );
      return false;
    }
    if (posted.ts === null) this.logger.warn({ channel }, 'Slack answered ok without a message ts: recorded as delivered (nothing can thread under it)');
    return true;
  }

  /** Retries the recording held for `channel`; true when nothing (any more) waits. */
  async flush(channel: string, final = false): Promise<boolean> {
    const waiting = this.#waiting.get(channel);
    if (!waiting) return true;
    try {
      if (!(await recordDelivery(this.store, waiting.delivery, waiting.posted, waiting.at))) this.#partRecordedAlready(channel, waiting.delivery);
    } catch (error) {
      const message = final
        ? `stopping with a message Slack accepted but not recorded in ${channel}: it may be posted again after the restart`
        : `still cannot record the delivered message in ${channel}; the channel keeps waiting`;
      this.logger[final ? 'error' : 'warn']({ channel, ts: waiting.posted.ts, error: asCodedError(error).message }, message);
      return false;
    }
    this.#waiting.delete(channel);
    this.logger.info({ channel, ts: waiting.posted.ts }, `recorded the message Slack had accepted in ${channel}; the channel goes on`);
    return true;
  }

  /** A reply of an alert whose progress the store did not take (it had that part already): said, never hidden. */
  #partRecordedAlready(channel: string, delivery: Delivery): void {
    const { item } = delivery;
    if (item.kind !== 'overflow') return;
    this.logger.error(
      { channel, outboxId: item.rows[0].id, part: item.part },
      `part ${item.part.index} of ${item.part.of} of incident ${item.incident} was posted, but the state had recorded another part of it: its log ids may be listed twice`,
    );
  }
}
