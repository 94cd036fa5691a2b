import type { Logger } from '../../log.js';
import type { ThreadNote } from '../../state/controls.js';
import type { StateStore } from '../../state/store.js';
import { systemClock, type Clock } from '../clock.js';
import { formatThreadNote, type ThreadNoteMessage } from '../format-thread-note.js';
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
 * Acknowledge / Resolve / Mute, a mute's end): claimed first, recorded after
 * Slack's ok, retried with backoff on a transient failure, given up (and
 * logged) when Slack refuses the message for good.
 */
export function createThreadNotes(options: ThreadNotesOptions): ThreadNotes {
  const { store, logger } = options;
  const clock = options.clock ?? systemClock;
  const claimMs = options.claimMs ?? 60_000;
  let chain: Promise<void> = Promise.resolve();
  let loop: Promise<void> | undefined;
  let stopper: AbortController | undefined;

  async function postOne(note: ThreadNote): Promise<void> {
    const now = clock.now();
    if (!(await store.claimThreadNote(note.id, options.owner, new Date(now), new Date(now + claimMs)))) return;
    try {
      const { ts } = await options.post(formatThreadNote(note));
      await store.recordThreadNote(note.id, { ts });
    } catch (thrown) {
      const error = toSlackApiError('chat.postMessage', thrown, note.channel);
      const retry = error.details.retryable || failureScope(error) === 'all';
      const waitMs = error.details.retryAfterMs ?? Math.min(MAX_RETRY_MS, 5_000 * 2 ** note.attempts);
      await store.recordThreadNote(note.id, { error: error.message, retryAtMs: retry ? clock.now() + waitMs : null });
      logger.warn({ note: note.id, kind: note.kind, incident: note.incident, retry }, `could not post the ${note.kind} reply: ${error.message}`);
    }
  }

  async function flushNow(): Promise<void> {
    const ended = await store.endOverdueMutes(new Date(clock.now()));
    if (ended.length > 0) {
      logger.info({ mutes: ended.map((mute) => mute.id) }, 'mutes ended by the clock (no later event reached their end)');
      options.onReleased?.();
    }
    for (const note of await store.dueThreadNotes(new Date(clock.now()), 50)) await postOne(note);
  }

  const flush = (): Promise<void> => {
    const next = chain.then(flushNow);
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
