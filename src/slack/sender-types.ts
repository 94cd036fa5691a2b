import type { Problem } from '../state/store.js';
import type { SlackPoster } from './poster.js';
import type { SenderOptions } from './sender-options.js';

/** What one drain did; also logged. */
export interface DrainReport {
  /** Channel messages (alerts, standalone repeats). */
  posted: number;
  /** Thread replies carrying repeats. */
  replies: number;
  digests: number;
  /** chat.update calls on parents. */
  updates: number;
  /** Rows marked failed in this drain. */
  failed: number;
  /** Failed rows that became dead in this drain (too many attempts, or too old). */
  dead: number;
  /** Rows still pending afterwards. */
  pending: number;
  /** Sending is paused: Slack rejected the bot token (rows stay pending). */
  paused: boolean;
  /** Channels another process was delivering: skipped, never posted twice. */
  busy: string[];
  /** Messages Slack accepted whose recording failed: their channel waits until it is recorded (never re-posted). */
  unrecorded: number;
  /** Notices about the bot itself (and their "resolved" replies) posted. */
  notices: number;
}

export interface Sender {
  /** Drains the outbox once, within `deadlineMs` (a time budget; default 30 s). Never throws for Slack errors. */
  drainOnce(options?: { deadlineMs?: number }): Promise<DrainReport>;
  /** Starts the long-running loop (idempotent). */
  start(): void;
  /** Stops the loop, interrupting waits; resolves when the current step has finished. */
  stop(): Promise<void>;
  /** Wakes the loop now (e.g. after the poller queued alerts). */
  notify(): void;
}

export interface DrainRun {
  options: SenderOptions & { poster: SlackPoster };
  report: DrainReport;
  deadlineAt: number;
  signal: AbortSignal | undefined;
  /** Set when the token is rejected: every channel stops at once. */
  halted: boolean;
  /** Problems open at the start of the drain (dead channels, backlog). */
  problems: Map<string, Problem>;
}
