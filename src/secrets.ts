/**
 * Keeping secrets out of text. Auth0 and Slack error bodies may echo what a
 * request carried (an `Authorization` header, a token); any such free text is
 * cut and scrubbed here before it is logged, stored (`last_error`) or shown.
 * Error codes are taken only when they look like codes.
 */

/** What an API error code looks like (`invalid_grant`, `channel_not_found`); anything else is free text. */
const ERROR_CODE = /^[a-z0-9_]{1,64}$/;

/** An error code from an API body, or undefined when the value does not look like one. */
export function safeErrorCode(value: unknown): string | undefined {
  return typeof value === 'string' && ERROR_CODE.test(value) ? value : undefined;
}

export const REDACTED = '[redacted]';
/** Longest free text kept by default (an error message, a reason). */
export const MAX_FREE_TEXT = 500;
/**
 * From this length on a secret is scrubbed wherever it appears. A shorter one
 * ("hunter2", a test token) is scrubbed too — a secret is never printed because
 * it is short — but only where it stands as a word of its own (not inside a
 * longer run of letters, digits and `_`): scrubbing "secret" everywhere would
 * turn "client_secret" into "client_[redacted]". loadConfig warns at start
 * about every secret this short (secret-checks.ts).
 */
export const MIN_SECRET_LENGTH = 8;

const secrets = new Set<string>();
/** Secrets shorter than MIN_SECRET_LENGTH, each with its whole-word pattern. */
const shortSecrets = new Map<string, RegExp>();
let longestSecret = 0;

/**
 * Registers values that must never appear in text: the configured client
 * secrets and tokens (config), access tokens as they are issued (Auth0 client).
 */
export function registerSecrets(...values: ReadonlyArray<string | undefined | null>): void {
  for (const value of values) {
    if (typeof value !== 'string' || value.length === 0 || secrets.has(value) || shortSecrets.has(value)) continue;
    if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
    else shortSecrets.set(value, wholeWordPattern(value));
    longestSecret = Math.max(longestSecret, value.length);
  }
}

/** The characters a word is made of, as a character class's body. */
const WORD = 'A-Za-z0-9_';
const WORD_CHARACTER = new RegExp(`[${WORD}]`);

/**
 * A short secret where no longer word holds it: a letter, digit or `_` at its
 * edge must not touch another one; an edge of any other character (`!pw9`,
 * `p@ss!`) is guarded by nothing — no word goes on across it, and "bot!pw9"
 * holds the secret as much as "bot !pw9" does.
 */
function wholeWordPattern(value: string): RegExp {
  const before = WORD_CHARACTER.test(value[0]!) ? `(?<![${WORD}])` : '';
  const after = WORD_CHARACTER.test(value.at(-1)!) ? `(?![${WORD}])` : '';
  return new RegExp(`${before}${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${after}`, 'g');
}

/** For tests: forget every registered secret. */
export function forgetSecrets(): void {
  secrets.clear();
  shortSecrets.clear();
  longestSecret = 0;
}

/**
 * Shapes of credentials whatever their value: `Bearer …`, Slack tokens
 * (`xoxb-…`, `xoxp-…`, `xapp-…`), JWTs (Auth0 access tokens), Socket Mode tickets,
 * and `client_secret=…` / `"client_secret":"…"` pairs (form and JSON bodies; not
 * our own `client_secret: expected text` problem lines). Each is a literal prefix and one
 * character class: linear, on text already cut to a bounded length.
 */
const SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\b(bearer)\s+[\w\-.~+/]+=*/gi, `$1 ${REDACTED}`],
  [/\bxox[a-z]-[\w-]+/gi, REDACTED],
  [/\bxapp-[\w-]+/gi, REDACTED],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, REDACTED],
  [/ticket=[^&"'\s]+/g, `ticket=${REDACTED}`],
  [/(client_secret|access_token|refresh_token|id_token|signing_secret)(=|["']\s*:\s*["'])[^\s"'&,;}]+/gi, `$1$2${REDACTED}`],
];

/**
 * Free text made safe to log, store or show: cut to `max` characters and scrubbed of every registered secret and credential shape. A
 * secret straddling the cut is scrubbed too: the text is scrubbed before the
 * final cut, on a window long enough to hold it.
 */
export function scrubText(text: unknown, max: number = MAX_FREE_TEXT): string {
  const raw = typeof text === 'string' ? text : text instanceof Error ? text.message : String(text);
  let out = raw.slice(0, max + longestSecret + 1);
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [secret, pattern] of shortSecrets) if (out.includes(secret)) out = out.replace(pattern, REDACTED);
  for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  if (out.length <= max && raw.length <= max + longestSecret + 1) return out;
  return `${out.slice(0, Math.max(0, max - 1))}…`;
}

/** Does `text` hold a registered secret or a credential shape? (For assertions and last-line checks.) */
export function holdsSecret(text: string): boolean {
  return scrubText(text, text.length + 1) !== text;
}
