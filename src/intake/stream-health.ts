import { asCodedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';

/**
 * When is a tenant's log stream silent? The stream and the poller see the same
 * events; a healthy stream delivers them within seconds, so the poller, paging
 * minutes later, finds them already evaluated. When the poller keeps finding
 * events the stream never delivered, and the stream has said nothing for longer
 * than the threshold, the stream is broken (paused by Auth0 after days of
 * failures, a wrong token, a proxy route gone) — alerts then come only at the
 * poll's pace, and that is worth telling.
 */
export const STREAM_HEALTH_DEFAULTS = {
  /**
   * STREAM_SILENT_AFTER: silence tolerated while the poller finds events (a quiet
   * tenant or a filtered stream never trips it) — counted from the last delivery,
   * or from the start of the watch when that is later (a fresh install, a restart
   * after downtime: the stream gets this long to deliver before it is called silent).
   */
  silenceMs: 15 * 60_000,
  /**
   * The poller racing a healthy stream (polling an event before the stream's
   * POST lands) finds an event or two: only findings this long after the last
   * delivery (or the start) count. Never longer than the silence threshold.
   */
  raceMs: 2 * 60_000,
} as const;

export type StreamSilence = { silent: false } | { silent: true; reason: string };

type Instant = string | Date | null | undefined;

/**
 * `lastStreamAt`: the last stored stream batch (null: never);
 * `lastPollNewAt`: when the poller last evaluated events no stream had delivered (null: never);
 * `watchingSince`: when the watch began (the bot's start) — the grace of a stream that has
 * not delivered since; null: unknown (no bot running), judged on the stored times alone.
 */
export function streamSilence(
  input: { lastStreamAt: Instant; lastPollNewAt: Instant; watchingSince?: Instant; now: Date },
  options: Partial<typeof STREAM_HEALTH_DEFAULTS> = {},
): StreamSilence {
  const { silenceMs, raceMs: race } = { ...STREAM_HEALTH_DEFAULTS, ...options };
  const raceMs = Math.min(race, silenceMs);
  const found = timeOf(input.lastPollNewAt);
  if (!Number.isFinite(found)) return { silent: false };
  const now = input.now.getTime();
  const delivered = timeOf(input.lastStreamAt);
  const since = Math.max(delivered, timeOf(input.watchingSince));
  if (since === Number.NEGATIVE_INFINITY) {
    return { silent: true, reason: 'the log stream never delivered, while polling finds events (is the stream set up in Auth0 with this Payload URL and token?)' };
  }
  if (found <= since + raceMs || now - since <= silenceMs) return { silent: false };
  if (!Number.isFinite(delivered)) {
    return {
      silent: true,
      reason: `the log stream has delivered nothing in the ${minutes(now - since)} since the bot started, while polling finds events (is the stream set up in Auth0 with this Payload URL and token?)`,
    };
  }
  return {
    silent: true,
    reason: `the log stream has delivered nothing for ${minutes(now - delivered)} while polling still finds new events (check the stream's Health tab in Auth0); alerts come at the poll's pace meanwhile`,
  };
}

/** Milliseconds of an instant; -Infinity when absent or unreadable (never happened). */
function timeOf(value: Instant): number {
  if (value === null || value === undefined) return Number.NEGATIVE_INFINITY;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : Number.NEGATIVE_INFINITY;
}

function minutes(ms: number): string {
  const value = Math.round(ms / 60_000);
  return value < 120 ? `${value} min` : `${Math.round(value / 60)} h`;
}

export interface StreamSilenceWatchInput {
  tenant: string;
  store: StateStore;
  logger: Logger;
  /** Where the notice goes (the tenant's channel, else ALERT_CHANNEL). */
  noticeChannel: string | undefined;
  options?: Partial<typeof STREAM_HEALTH_DEFAULTS>;
  /** When the watch began (the bot's start): the stream's grace runs from here. @default the watch's creation */
  startedAt?: Date;
}

/**
 * Told in Slack like the bot's other notices about itself: after each poll
 * cycle of a tenant whose log stream is configured, a silent stream opens the
 * `stream_silent` problem (one notice while it lasts; its sentence is kept
 * current for `status`), and the first check that finds it delivering again
 * resolves it (a "resolved" reply under the notice).
 */
export function watchStreamSilence(input: StreamSilenceWatchInput): (now: Date) => Promise<void> {
  const { tenant, store, logger } = input;
  const watchingSince = input.startedAt ?? new Date();
  const key = `stream_silent:${tenant}`;
  /** Whether the problem is open (read once from the store, then tracked: a healthy stream costs no write). */
  let open: boolean | undefined;
  return async (now) => {
    try {
      const state = await store.readTenant(tenant);
      const silence = streamSilence({ lastStreamAt: state?.lastStreamAt, lastPollNewAt: state?.lastPollNewAt, watchingSince, now }, input.options);
      open ??= (await store.listProblems()).some((problem) => problem.key === key);
      if (silence.silent) {
        const summary = `tenant ${tenant}: ${silence.reason}`;
        if (await store.openProblem({ key, kind: 'stream_silent', tenant, channel: input.noticeChannel ?? null, summary }, now)) logger.error({ tenant }, summary);
        open = true;
      } else if (open) {
        await store.resolveProblem(key, now);
        open = false;
        logger.info({ tenant }, `the log stream of tenant ${tenant} delivers again`);
      }
    } catch (error) {
      // The next cycle checks again; polling and alerting go on meanwhile.
      open = undefined;
      logger.warn({ tenant, error: asCodedError(error).message }, 'could not check whether the log stream is silent');
    }
  };
}

/** A tenant's poll cycle followed, whenever it ran, by the silence check of its log stream. */
export function withStreamSilenceWatch<R>(cycle: () => Promise<R | undefined>, input: StreamSilenceWatchInput, now: () => Date = () => new Date()): () => Promise<R | undefined> {
  const check = watchStreamSilence({ startedAt: now(), ...input });
  return async () => {
    const report = await cycle();
    if (report !== undefined) await check(now());
    return report;
  };
}
