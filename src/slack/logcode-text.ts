import { escapeEntities } from './escape.js';
import { SLACK_LIMITS, fitText } from './limits.js';

/**
 * Small text helpers for `/logcode` replies: echoing user input, packing lines, ages.
 * Escaping and Slack's limits are shared with the alert messages (escape.ts, limits.ts).
 */

/** Echoed user input is cut here: nobody needs their 10 kB paste back. */
export const ECHO_LIMIT = 80;

/**
 * User input made safe to echo inside an inline code span: control characters and
 * backticks (which would close the span) replaced, length capped, then escaped.
 */
export function echo(input: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = input.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/`/g, "'");
  const chars = Array.from(flat);
  const cut = chars.length > ECHO_LIMIT ? `${chars.slice(0, ECHO_LIMIT - 1).join('')}…` : flat;
  return escapeEntities(cut.trim() === '' ? ' ' : cut);
}

/**
 * Packs lines into chunks that each fit one section block; stops at `maxChunks`
 * and reports how many lines did not fit.
 */
export function chunkLines(lines: readonly string[], maxChunks: number, limit: number = SLACK_LIMITS.sectionText): { chunks: string[]; omitted: number } {
  const chunks: string[] = [];
  let current = '';
  for (let index = 0; index < lines.length; index++) {
    const line = fitText(lines[index]!, limit, 'list line');
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length <= limit) {
      current = candidate;
      continue;
    }
    chunks.push(current);
    if (chunks.length >= maxChunks) return { chunks, omitted: lines.length - index };
    current = line;
  }
  if (current !== '') {
    if (chunks.length >= maxChunks) return { chunks, omitted: 1 };
    chunks.push(current);
  }
  return { chunks, omitted: 0 };
}

/** "42s", "7m", "3h 5m", "2d 4h": compact ages for replies. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}

/** Parses a date given as Date or ISO string; undefined when absent or invalid. */
export function toDate(value: Date | string | null | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
