/**
 * Making untrusted text (every value from a log event) safe inside Slack mrkdwn.
 *
 * Slack has no backslash escape. We:
 * - HTML-escape `&`, `<`, `>` (the only entities Slack decodes), so `<!channel>`
 *   or `<https://x|y>` can never become a mention or a link;
 * - wrap formatting characters (`*`, `_`, `~`, `` ` ``) in zero-width spaces
 *   whenever they could open or close a span. With a ZWSP on both sides the
 *   character has neither a word boundary outside nor a non-space inside,
 *   whichever way Slack classifies ZWSP. Between two letters/digits they cannot
 *   format anything and stay untouched, so `pwd_leak` and `john_doe` copy cleanly;
 * - break `@channel`/`@here`/`@everyone` and `scheme://` so neither legacy
 *   mention parsing nor auto-linking can act (mrkdwn objects also set
 *   `verbatim: true`).
 */
const ZWSP = '\u200B';
/**
 * Bidirectional embedding/override/isolate controls: invisible, and they reorder what
 * follows ("Trojan Source"), so `admin\u202Eexample.com` could read as another user or
 * host. Shown as U+FFFD so the reader sees something was there.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const FORMATTING = new Set(['*', '_', '~', '`']);
const WORD = /[\p{L}\p{N}]/u;

export function escapeEntities(value: string): string {
  return value.replace(BIDI_CONTROLS, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Untrusted text → mrkdwn that renders literally. */
export function escapeMrkdwn(value: string): string {
  const chars = Array.from(escapeEntities(value));
  let out = '';
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index]!;
    if (!FORMATTING.has(char)) {
      out += char;
      continue;
    }
    const before = chars[index - 1] ?? '';
    const after = chars[index + 1] ?? '';
    const inert = char !== '`' && WORD.test(before) && WORD.test(after);
    out += inert ? char : `${ZWSP}${char}${ZWSP}`;
  }
  return out
    .replace(/@(channel|here|everyone)\b/gi, `@${ZWSP}$1`)
    .replace(/([a-z][a-z0-9+.-]*):\/\//gi, `$1:${ZWSP}//`)
    .replace(/^&gt;/gm, `${ZWSP}&gt;`);
}

/** Untrusted text for `plain_text` objects: Slack shows it literally; only newlines matter in a header. */
export function plainLine(value: string): string {
  return value.replace(BIDI_CONTROLS, '\uFFFD').replace(/\s+/g, ' ').trim();
}
