import { fieldGetter, valueText } from './fields.js';

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
const MISSING = 'unknown';
const PLACEHOLDER = /\{\{\s*([\w$.-]+)\s*\}\}/g;

/** Names a title may use besides event fields. */
export const TEMPLATE_AGGREGATES = ['count', 'distinct_count'] as const satisfies ReadonlyArray<keyof TemplateAggregates>;

/** The field paths and aggregate names a template uses: `{{ip}} ({{count}})` → ip, count. */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

/** Compiles `Brute force from {{ip}} ({{count}})` once per rule. Values are not escaped here. */
export function compileTitle(template: string): TitleRenderer {
  const parts: Array<string | ((event: object, aggregates: TemplateAggregates) => string)> = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, match.index));
    const path = match[1] as string;
    if (path === 'count' || path === 'distinct_count') {
      parts.push((_event, aggregates) => (aggregates[path] === undefined ? MISSING : String(aggregates[path])));
    } else {
      const get = fieldGetter(path);
      // Newlines in untrusted values would break the one-line title.
      parts.push((event) => valueText(get(event), MAX_VALUE_LENGTH)?.replace(/\s+/g, ' ') ?? MISSING);
    }
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return (event, aggregates) => {
    let title = '';
    for (const part of parts) title += typeof part === 'string' ? part : part(event, aggregates);
    return title.length > MAX_TITLE_LENGTH ? `${title.slice(0, MAX_TITLE_LENGTH - 1)}…` : title;
  };
}
