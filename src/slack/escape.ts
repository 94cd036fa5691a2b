import { cutText } from '../auth0/event-values.js';
import { SLACK_LIMITS } from './limits.js';

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
 * - break `@channel`/`@here`/`@everyone` and `://` so neither legacy
 *   mention parsing nor auto-linking can act (mrkdwn objects also set
 *   `verbatim: true`);
 * - keep a value on one line (escapeMrkdwn): a user name "mallory\nceo@corp.com ×900"
 *   would otherwise write a forged entry into "Top users" or a line that reads
 *   as the bot's own. Only rule-written text (a runbook) keeps its lines
 *   (escapeMrkdwnLines).
 * Every function here cuts its input to MAX_ESCAPE_INPUT characters first
 * (nothing longer fits in a Slack text object) and runs in time linear in it:
 * no pattern below can backtrack.
 */
const ZWSP = '\u200B';
/** The longest untrusted text escaped: Slack's section text limit (3,000); longer input is cut first. */
export const MAX_ESCAPE_INPUT = SLACK_LIMITS.sectionText;
/**
 * Bidirectional controls and invisible format characters: they reorder what
 * follows ("Trojan Source") or hide inside a value, so `admin\u202Eexample.com`
 * could read as another user or host. Shown as U+FFFD so the reader sees
 * something was there. The set: the embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069), the marks LRM, RLM and ALM (U+200E, U+200F,
 * U+061C), the invisible operators and deprecated format controls
 * (U+2060–U+2064, U+206A–U+206F), U+FEFF, U+180E, and the C0/C1 control
 * characters except tab and newline. Also the characters that show nothing at
 * all, so that "alice@example.com" and "alice@example.com" + U+200B (another
 * user, another group) never read alike and no hidden text rides along: zero
 * width space U+200B, soft hyphen U+00AD, combining grapheme joiner U+034F,
 * the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the interlinear
 * annotation marks U+FFF9–U+FFFB, the invisible musical format characters
 * U+1D173–U+1D17A and the tag characters U+E0001, U+E0020–U+E007F ("ASCII
 * smuggling"). ZWJ/ZWNJ (emoji, scripts) and variation selectors are kept.
 */
const BIDI_CONTROLS =
  /[\u0000-\u0008\u000B-\u000C\u000E-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]|\uD834[\uDD73-\uDD7A]|\uDB40[\uDC01\uDC20-\uDC7F]/g;
const FORMATTING = new Set(['*', '_', '~', '`']);
const FORMATTING_ANYWHERE = /[*_~`]/;
const WORD = /[\p{L}\p{N}]/u;

export function escapeEntities(value: string): string {
  return cutText(value, MAX_ESCAPE_INPUT).replace(BIDI_CONTROLS, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Every line break Slack or a terminal may honour (U+0085, VT and FF are already shown as U+FFFD). */
const LINE_BREAKS = /[\r\n\u2028\u2029]+/g;

/** Untrusted text → mrkdwn that renders literally, on one line (line breaks become one space). */
export function escapeMrkdwn(value: string): string {
  return escapeMrkdwnLines(cutText(value, MAX_ESCAPE_INPUT).replace(LINE_BREAKS, ' '));
}

/** Text whose lines are meant (a rule's runbook) → mrkdwn that renders literally, line by line. */
export function escapeMrkdwnLines(value: string): string {
  const escaped = escapeEntities(value);
  // Most text holds no formatting character: nothing to wrap, no need to walk it character by character.
  const chars = FORMATTING_ANYWHERE.test(escaped) ? Array.from(escaped) : [escaped];
  const parts: string[] = [];
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index]!;
    if (!FORMATTING.has(char)) {
      parts.push(char);
      continue;
    }
    const before = chars[index - 1] ?? '';
    const after = chars[index + 1] ?? '';
    const inert = char !== '`' && WORD.test(before) && WORD.test(after);
    parts.push(inert ? char : `${ZWSP}${char}${ZWSP}`);
  }
  // Each pattern is a literal or a fixed-length alternation: linear, whatever the text.
  return parts
    .join('')
    .replace(/@(channel|here|everyone)\b/gi, `@${ZWSP}$1`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/^&gt;/gm, `${ZWSP}&gt;`);
}

/**
 * A line of terminal output holding untrusted text (`status`): control and bidi
 * characters shown as U+FFFD — an ESC in a user name must not recolour, retitle,
 * clear or hyperlink the operator's terminal — and line breaks as one space, so
 * no value forges a line of its own. Spaces are kept (the line's own layout).
 */
export function terminalLine(value: string): string {
  return withoutControls(value).replace(/[\r\n\u2028\u2029]/g, ' ');
}

/**
 * Control, bidi and invisible characters (BIDI_CONTROLS) shown as U+FFFD, nothing else changed:
 * for text whose own escaping (JSON in a log line) leaves C1 controls and bidi overrides as they are.
 */
export function withoutControls(value: string): string {
  return value.replace(BIDI_CONTROLS, '\uFFFD');
}

/** Untrusted text for `plain_text` objects: Slack shows it literally; only newlines matter in a header. */
export function plainLine(value: string): string {
  return cutText(value, MAX_ESCAPE_INPUT).replace(BIDI_CONTROLS, '\uFFFD').replace(/\s+/g, ' ').trim();
}
