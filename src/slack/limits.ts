/**
 * Block Kit limits (https://docs.slack.dev/reference/block-kit) and the one
 * place that cuts text to them. Cutting is a warning, never an error: a
 * shortened alert beats an alert Slack rejects with `invalid_blocks`.
 */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  blocks: 50,
  buttonText: 75,
  url: 3000,
  contextElements: 10,
  contextText: 3000,
  /** chat.postMessage truncates `text` beyond 40,000; stay well under it (it is only the notification). */
  fallbackText: 3000,
  /** Slack's `action_id`/`block_id` limit. */
  actionId: 255,
} as const;

const ELLIPSIS = '…';

/** Receives one line per cut; the formatter stays pure, callers log. */
export type LimitWarning = (message: string) => void;

/**
 * Cuts `text` to `max` code units (Slack counts characters; we stay on the safe
 * side of surrogate pairs), ending with an ellipsis. Never leaves half an
 * HTML entity (`&am…`) or half a surrogate pair behind.
 */
export function fitText(text: string, max: number, what: string, warn?: LimitWarning): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - ELLIPSIS.length);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/&[a-z]{0,4}$/i, '');
  warn?.(`${what} cut from ${text.length} to ${max} characters`);
  return cut + ELLIPSIS;
}

/** Keeps at most `max` items, warning about the rest. */
export function fitList<T>(items: readonly T[], max: number, what: string, warn?: LimitWarning): T[] {
  if (items.length <= max) return [...items];
  warn?.(`${what}: kept ${max} of ${items.length}`);
  return items.slice(0, max);
}

/** A URL Slack will accept in a button, or undefined (a missing link beats a rejected message). */
export function fitUrl(url: string | null | undefined, what: string, warn?: LimitWarning): string | undefined {
  if (!url) return undefined;
  if (!/^https?:\/\//i.test(url)) {
    warn?.(`${what}: not an http(s) URL, left out`);
    return undefined;
  }
  if (url.length > SLACK_LIMITS.url) {
    warn?.(`${what}: URL longer than ${SLACK_LIMITS.url} characters, left out`);
    return undefined;
  }
  return url;
}
