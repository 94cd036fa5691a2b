import { MAX_LOG_IDS, type Alert } from '../engine/alert.js';

/*
 * How an alert's log ids spread over the messages that report them: its own
 * message (part 1) lists the first MAX_LOG_IDS, replies in its thread (parts
 * 2…n) list the rest, MAX_LOG_IDS at most each (CONTRACT.md: every log id is
 * reported by exactly one message, and one message lists at most 100). Only
 * threshold and sequence alerts list more than MAX_LOG_IDS; repeats never do
 * (the engine batches them).
 */

/** How many messages an alert is posted as: its own, then one reply per MAX_LOG_IDS of its other log ids. */
export function alertMessageCount(alert: Pick<Alert, 'logIds'>): number {
  return Math.max(1, Math.ceil(alert.logIds.length / MAX_LOG_IDS));
}

/** The log ids message `part` (1: the alert's own, 2…: its replies) lists. */
export function logIdsOfPart(alert: Pick<Alert, 'logIds'>, part: number): string[] {
  return alert.logIds.slice((part - 1) * MAX_LOG_IDS, part * MAX_LOG_IDS);
}

/** Log ids the alert's thread replies list (0: it fits one message). */
export function logIdsInReplies(alert: Pick<Alert, 'logIds'>): number {
  return Math.max(0, alert.logIds.length - MAX_LOG_IDS);
}

/**
 * The events the alert counts without listing their log ids: a distinct
 * window's retries folded past its bound (MAX_FOLDED_LOG_IDS in
 * engine/window.ts) — a flood of more than MAX_ALERT_LOG_IDS events before
 * the alert. No message lists them; the alert's text says so.
 */
export function unlistedEvents(alert: Pick<Alert, 'logIds' | 'count'>): number {
  return Math.max(0, alert.count - alert.logIds.length);
}

/**
 * The events the alert's own message stands for in its metadata `count`: all of
 * them but those whose log ids its replies list (each reply counts its own), so
 * the counts of its messages add up to the alert's count. Events counted
 * without a log id (unlistedEvents) count here.
 */
export function ownCount(alert: Pick<Alert, 'logIds' | 'count'>): number {
  return alert.count - logIdsInReplies(alert);
}
