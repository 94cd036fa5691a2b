import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { WebClient } from '@slack/web-api';
import type { Catalog } from '../catalog/types.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import { systemClock, type Clock } from './clock.js';
import type { Dashboard } from './event-fields.js';
import { webClientPoster, type SlackPoster } from './poster.js';
import type { BackoffOptions } from './retry-timing.js';

export interface SenderOptions {
  store: StateStore;
  /** The narrow Slack interface (tests pass a fake); or give `client`. */
  poster?: SlackPoster;
  /** A WebClient from createSlackClient() (retries off, 429s rejected). */
  client?: WebClient;
  /** For event names and docs links. */
  catalog: Catalog;
  logger: Logger;
  /** Channel for alerts whose rule names none (rows already carry their channel; the formatter wants one). @default '' */
  defaultChannel: string;
  /**
   * Whether a running Slack app takes Acknowledge / Resolve / Mute now: messages carry those
   * buttons only then. Asked per message (the app starts after the sender, and may not). @default false
   */
  interactive: () => boolean;
  /** Where the bot's notices about itself go when a problem names no channel. @default defaultChannel */
  noticeChannel: string;
  /** Names this process in channel leases (one writer per channel). @default host:pid:random */
  owner: string;
  /**
   * How long a channel lease lasts; renewed before every Slack call. Longer than
   * the longest Slack call (the client's 30 s timeout) plus recording it, so a
   * lease never runs out while this process is posting. @default 60000
   */
  leaseMs: number;
  /** A failed row tried this many times becomes dead instead of being retried. @default 10 */
  deadAfterAttempts: number;
  /** A failed row queued longer ago than this becomes dead. @default 86400000 (24 h) */
  deadAfterMs: number;
  /** The oldest pending alert older than this opens an "outbox backing up" notice. @default 900000 (15 min) */
  backlogNoticeMs: number;
  /** The tenants this bot watches (their keys): a notice about the bot as a whole names the only one, else `*`. @default [] */
  tenants: readonly string[];
  /** "View in Auth0" location per tenant key; undefined → no such button. */
  dashboardFor: (tenant: string) => Dashboard | undefined;
  clock: Clock;
  /** Minimum gap between two calls to one channel (Slack allows about 1 message/s/channel). @default 1000 */
  minIntervalMs: number;
  /** More pending rows than this in a channel → digests. @default 20 */
  digestAbove: number;
  /** Rows read per channel per round; a flood's digest covers at most this many. @default 10000 */
  maxBatchRows: number;
  /** Transient failures of one message tolerated per drain before the channel backs off. @default 5 */
  maxAttempts: number;
  /** 429s tolerated for one message per drain. @default 10 */
  maxRateLimitWaits: number;
  backoff: BackoffOptions;
  /** Pause of the long-running loop when the outbox is empty. @default 2000 */
  idleMs: number;
  /** How long one drain of the loop may take before it yields. @default 60000 */
  loopDrainMs: number;
  /** Failed rows are retried this long after they failed (the configuration may have been fixed). @default 900000 (15 min) */
  failedCooldownMs: number;
  /**
   * After Slack rejects the bot token (invalid_auth, token_revoked …), the whole sender
   * pauses this long before trying again; the rows stay pending, never failed. @default 300000 (5 min)
   */
  authPauseMs: number;
}

export type SenderInput = Pick<SenderOptions, 'store' | 'catalog' | 'logger'> &
  Partial<Omit<SenderOptions, 'store' | 'catalog' | 'logger' | 'backoff' | 'interactive'>> & {
    backoff?: Partial<BackoffOptions>;
    /** A fixed answer (tests, `run --once`) or the live one. */
    interactive?: boolean | (() => boolean);
  };

export const SENDER_DEFAULTS = {
  defaultChannel: '',
  tenants: [],
  leaseMs: 60_000,
  deadAfterAttempts: 10,
  deadAfterMs: 24 * 60 * 60_000,
  backlogNoticeMs: 15 * 60_000,
  minIntervalMs: 1000,
  digestAbove: 20,
  maxBatchRows: 10_000,
  maxAttempts: 5,
  maxRateLimitWaits: 10,
  backoff: { baseMs: 1000, maxMs: 60_000 },
  idleMs: 2000,
  loopDrainMs: 60_000,
  failedCooldownMs: 15 * 60_000,
  authPauseMs: 5 * 60_000,
} as const;

/** The options after normalizeSenderOptions: every default filled in, a poster chosen. */
export type NormalizedSenderOptions = SenderOptions & { poster: SlackPoster };

export function normalizeSenderOptions(input: SenderInput): NormalizedSenderOptions {
  const poster = input.poster ?? (input.client ? webClientPoster(input.client) : undefined);
  if (!poster) throw new TypeError('createSender needs a poster or a client');
  const given = stripUndefined(input);
  return {
    ...SENDER_DEFAULTS,
    ...given,
    store: input.store,
    catalog: input.catalog,
    logger: input.logger,
    poster,
    noticeChannel: input.noticeChannel || input.defaultChannel || '',
    owner: input.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    dashboardFor: input.dashboardFor ?? (() => undefined),
    interactive: typeof input.interactive === 'function' ? input.interactive : constant(input.interactive ?? false),
    clock: input.clock ?? systemClock,
    backoff: { ...SENDER_DEFAULTS.backoff, random: Math.random, ...stripUndefined(input.backoff ?? {}) },
  };
}

function constant(value: boolean): () => boolean {
  return () => value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
