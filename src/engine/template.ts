import { fieldGetter, valueText } from './fields.js';
import { fallbackFor, fallbackWords } from './template-fallbacks.js';

/** Aggregate values a title may use besides event fields. */
export interface TemplateAggregates {
  count?: number;
  distinct_count?: number;
}

export type TitleRenderer = (event: object, aggregates: TemplateAggregates) => string;

/** Titles are short: one value never takes more than this … */
const MAX_VALUE_LENGTH = 80;
/** … and the whole title never more than this (Slack's own limits are enforced by the formatter). */
export const MAX_TITLE_LENGTH = 300;
const PLACEHOLDER = /\{\{\s*([\w$.-]+)\s*\}\}/g;

/** Names a title may use besides event fields. */
export const TEMPLATE_AGGREGATES = ['count', 'distinct_count'] as const satisfies ReadonlyArray<keyof TemplateAggregates>;

/** The field paths and aggregate names a template uses: `{{ip}} ({{count}})` → ip, count. */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

type ValueOf = (event: object, aggregates: TemplateAggregates) => string | null;

/** The literal text before a placeholder, how to read its value, and what to write when it has none. */
interface Segment {
  text: string;
  value?: ValueOf;
  /** With no value: the part of `text` to keep and the words that stand in (see template-fallbacks.ts). */
  missing?: { keep: string; words: string };
}

/** One line of text (newlines in untrusted values would break the one-line title); null when only blanks. */
function titleValue(value: unknown): string | null {
  const text = valueText(value, MAX_VALUE_LENGTH)?.replace(/\s+/g, ' ').trim();
  return text ? text : null;
}

function valueOf(path: string, alternatives: readonly string[]): ValueOf {
  if (path === 'count' || path === 'distinct_count') return (_event, aggregates) => (aggregates[path] === undefined ? null : String(aggregates[path]));
  const getters = [path, ...alternatives].map(fieldGetter);
  return (event) => {
    for (const get of getters) {
      const text = titleValue(get(event));
      if (text !== null) return text;
    }
    return null;
  };
}

/**
 * Compiles `Brute force from {{ip}} ({{count}})` once per rule. Values are not
 * escaped here. A placeholder without a value reads naturally rather than
 * "unknown": another field with the same meaning, else words such as
 * "an unnamed user" (fallbackFor).
 */
export function compileTitle(template: string): TitleRenderer {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const text = template.slice(last, match.index);
    const path = match[1] as string;
    const fallback = fallbackFor(path);
    segments.push({ text, value: valueOf(path, fallback.alternatives), missing: fallbackWords(fallback, text) });
    last = match.index + match[0].length;
  }
  segments.push({ text: template.slice(last) });
  return (event, aggregates) => {
    let title = '';
    for (const segment of segments) {
      const value = segment.value?.(event, aggregates);
      if (value === undefined) title += segment.text;
      else if (value !== null) title += segment.text + value;
      else {
        title += segment.missing!.keep;
        const words = segment.missing!.words;
        // Words opening the title or a sentence start with a capital ("Password guessed? An unnamed user logged in").
        title += title === '' || /[.?!]\s$/.test(title) ? words[0]!.toUpperCase() + words.slice(1) : words;
      }
    }
    return title.length > MAX_TITLE_LENGTH ? `${title.slice(0, MAX_TITLE_LENGTH - 1)}…` : title;
  };
}
