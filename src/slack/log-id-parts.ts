import { MAX_LOG_IDS, type Alert } from '../engine/alert.js';

/**
 * How an alert's log ids spread over the messages that report them: its own
 * message lists the first MAX_LOG_IDS, replies in its thread list the rest,
 * MAX_LOG_IDS at most each (CONTRACT.md: every log id is reported by exactly
 * one message, and one message lists at most 100). Only threshold and sequence
 * alerts list more than MAX_LOG_IDS; repeats never do (the engine batches them).
 */
export interface LogIdParts {
  /** The log ids the alert's own message lists. */
  own: string[];
  /** The log ids of each thread reply after it (empty: the alert fits one message). */
  replies: string[][];
}

export function logIdParts(alert: Pick<Alert, 'logIds'>): LogIdParts {
  const { logIds } = alert;
  if (logIds.length <= MAX_LOG_IDS) return { own: logIds, replies: [] };
  const replies: string[][] = [];
  for (let at = MAX_LOG_IDS; at < logIds.length; at += MAX_LOG_IDS) replies.push(logIds.slice(at, at + MAX_LOG_IDS));
  return { own: logIds.slice(0, MAX_LOG_IDS), replies };
}

/** Log ids the alert's thread replies list (0: it fits one message). */
export function logIdsInReplies(alert: Pick<Alert, 'logIds'>): number {
  return Math.max(0, alert.logIds.length - MAX_LOG_IDS);
}

/**
 * The events the alert's own message stands for in its metadata `count`: all of
 * them but those whose log ids its replies list (each reply counts its own), so
 * the counts of its messages add up to the alert's count. Folded window entries
 * (a distinct window) count here: their events have no log id of their own.
 */
export function ownCount(alert: Pick<Alert, 'logIds' | 'count'>): number {
  return alert.count - logIdsInReplies(alert);
}
