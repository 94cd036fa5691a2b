import type { Logger } from '../../log.js';
import type { ThreadNote } from '../../state/controls.js';
import type { StateStore } from '../../state/store.js';
import { systemClock, type Clock } from '../clock.js';
import { formatThreadNote, type ThreadNoteMessage } from '../format-thread-note.js';
import { THREAD_GONE } from '../sender-failures.js';
import { failureScope, toSlackApiError } from '../slack-errors.js';

export interface ThreadNotesOptions {
  store: StateStore;
  /** chat.postMessage; resolves with the ts Slack answered (null when it gave none). */
  post: (message: ThreadNoteMessage) => Promise<{ ts: string | null }>;
  logger: Logger;
  /** Names this process in claims, so two bots on one state never post a note twice. */
  owner: string;
  clock?: Clock;
  /** How long a claim on a note lasts (longer than one Slack call). @default 60000 */
  claimMs?: number;
  /** Pause of the background loop. @default 5000 */
  intervalMs?: number;
  /** Least time between two notes in one channel, like the sender (Slack allows about one message a second). @default 1000 */
  minIntervalMs?: number;
  /** Told when ending overdue mutes released outbox rows (wakes the sender). */
  onReleased?: () => void;
}

export interface ThreadNotes {
  /** Ends overdue mutes, then posts every due note once. One flush at a time. */
  flush(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

const MAX_RETRY_MS = 15 * 60_000;

/**
 * Posts the thread replies the state store says are owed (audit lines of
 * Acknowledge / Resolve / Mute, a mute's end): claimed first (a lease in the
 * state store, so two replicas never post one twice), recorded after Slack's
 * ok, retried with backoff on a transient failure, given up (and logged) when
 * Slack refuses the message for good. Paced like the sender: about one note a
 * second per channel, and a channel that answered 429 gets nothing more until
 * its Retry-After has passed.
 */
export function createThreadNotes(options: ThreadNotesOptions): ThreadNotes {
  const { store, logger } = options;
  const clock = options.clock ?? systemClock;
  const claimMs = options.claimMs ?? 60_000;
  const minIntervalMs = options.minIntervalMs ?? 1_000;
  /** Per channel: no note before this time (pacing, or Slack's Retry-After). */
  const nextCallAt = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  let loop: Promise<void> | undefined;
  let stopper: AbortController | undefined;

  async function postOne(note: ThreadNote, signal: AbortSignal | undefined): Promise<void> {
    const wait = (nextCallAt.get(note.channel) ?? 0) - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    if (signal?.aborted) return;
    const now = clock.now();
    if (!(await store.claimThreadNote(note.id, options.owner, new Date(now), new Date(now + claimMs)))) return;
    try {
      const { ts } = await options.post(formatThreadNote(note));
      nextCallAt.set(note.channel, clock.now() + minIntervalMs);
      await store.recordThreadNote(note.id, { ts });
    } catch (thrown) {
      const error = toSlackApiError('chat.postMessage', thrown, note.channel);
      const retry = error.details.retryable || failureScope(error) === 'all';
      const waitMs = error.details.retryAfterMs ?? Math.min(MAX_RETRY_MS, 5_000 * 2 ** note.attempts);
      // A 429 says when the channel takes messages again: every note for it waits that long.
      const rateLimited = error.details.reason === 'rate_limited';
      nextCallAt.set(note.channel, clock.now() + (rateLimited ? waitMs : minIntervalMs));
      await store.recordThreadNote(note.id, { error: error.message, retryAtMs: retry ? clock.now() + waitMs : null });
      if (THREAD_GONE.has(error.details.apiError ?? '')) {
        // An audit line under a message someone deleted is not wanted on its own: the action itself is recorded.
        logger.warn(
          { note: note.id, kind: note.kind, incident: note.incident, slackError: error.details.apiError },
          `the ${note.kind} reply of incident ${note.incident} is not posted: its message was deleted in Slack (${error.details.apiError}); the ${note.kind} itself is recorded`,
        );
        return;
      }
      logger.warn({ note: note.id, kind: note.kind, incident: note.incident, retry }, `could not post the ${note.kind} reply: ${error.message}`);
    }
  }

  async function flushNow(signal?: AbortSignal): Promise<void> {
    const ended = await store.endOverdueMutes(new Date(clock.now()));
    if (ended.length > 0) {
      logger.info({ mutes: ended.map((mute) => mute.id) }, 'mutes ended by the clock (no later event reached their end)');
      options.onReleased?.();
    }
    for (const note of await store.dueThreadNotes(new Date(clock.now()), 50)) {
      // A rate-limited channel's notes stay due for a later flush; the other channels go on.
      if ((nextCallAt.get(note.channel) ?? 0) - clock.now() > minIntervalMs) continue;
      await postOne(note, signal);
      if (signal?.aborted) return;
    }
  }

  const flush = (): Promise<void> => {
    const next = chain.then(() => flushNow(stopper?.signal));
    chain = next.catch((error: unknown) => logger.error({ err: (error as Error)?.message }, 'posting thread replies failed; will retry'));
    return next;
  };

  return {
    flush,
    start() {
      if (loop) return;
      stopper = new AbortController();
      const signal = stopper.signal;
      loop = (async () => {
        while (!signal.aborted) {
          await flush().catch(() => undefined);
          await clock.sleep(options.intervalMs ?? 5_000, signal);
        }
      })();
    },
    async stop() {
      stopper?.abort();
      await loop;
      await chain;
      loop = undefined;
    },
  };
}
