import type { RuleError } from '../errors.js';
import { checkFieldPath, type FieldCheckOptions } from './log-fields.js';
import { WHERE_COMBINATORS } from './rule-schema.js';
import { valueAt, type PathSegment, type SourceMap } from './source-map.js';
import { TEMPLATE_AGGREGATES, templatePlaceholders } from './template.js';

/**
 * Rule keys whose values name event fields, as key paths into the rule (`*`:
 * every item of a list). A new rule kind that names fields adds its keys here
 * (e.g. `['sequence', 'by', '*']`) and they are checked like the others.
 */
export const FIELD_PATH_KEYS: ReadonlyArray<readonly string[]> = [
  ['threshold', 'group_by', '*'],
  ['threshold', 'distinct'],
  ['throttle', 'by', '*'],
  ['sequence', 'by', '*'],
  ['sequence', 'steps', '*', 'by', '*'],
  ['sequence', 'steps', '*', 'distinct'],
  ['impossible_travel', 'by', '*'],
  ['new_value', 'field'],
  ['new_value', 'by', '*'],
];

export interface FieldProblems {
  problems: RuleError[];
  warnings: string[];
}

/**
 * Checks every field a rule names — `where` paths (inside `any` and `not`
 * too), the keys of FIELD_PATH_KEYS and title placeholders — against the
 * Auth0 log event fields. Unknown fields are errors, unknown `details.*` paths
 * warnings. Works on the raw parsed file, so it reports even when other keys
 * are invalid.
 */
export function ruleFieldProblems(source: SourceMap, raw: unknown, extraKeys: ReadonlyArray<readonly string[]> = []): FieldProblems {
  const result: FieldProblems = { problems: [], warnings: [] };
  const report = (path: readonly PathSegment[], field: string, detail: (message: string) => string, key?: string, options?: FieldCheckOptions) => {
    const problem = checkFieldPath(field, options);
    if (!problem) return;
    if (problem.level === 'error') result.problems.push(source.error(path, detail(problem.message), key));
    else result.warnings.push(source.warning(path, detail(problem.message), key));
  };

  const where = valueAt(raw, ['match', 'where']);
  checkWhere(where, ['match', 'where'], report);
  const steps = valueAt(raw, ['sequence', 'steps']);
  if (Array.isArray(steps)) steps.forEach((step, index) => checkWhere(valueAt(step, ['where']), ['sequence', 'steps', index, 'where'], report));

  for (const keyPath of [...FIELD_PATH_KEYS, ...extraKeys]) {
    for (const { path, value } of valuesAt(raw, keyPath, [])) {
      if (typeof value === 'string' && value !== '') report(path, value, (message) => message);
    }
  }

  const title = valueAt(raw, ['title']);
  const description = valueAt(raw, ['description']);
  // Without a title, the description's first line is the title template.
  const template = typeof title === 'string' ? { key: 'title', text: title } : typeof description === 'string' ? { key: 'description', text: description.split('\n')[0] ?? '' } : undefined;
  if (template) {
    for (const placeholder of templatePlaceholders(template.text)) {
      report([template.key], placeholder, (message) => `{{${placeholder}}}: ${message}`, undefined, { extraNames: TEMPLATE_AGGREGATES });
    }
  }
  return result;
}

type Report = (path: readonly PathSegment[], field: string, detail: (message: string) => string, key?: string, options?: FieldCheckOptions) => void;

function checkWhere(where: unknown, path: readonly PathSegment[], report: Report): void {
  if (where === null || typeof where !== 'object' || Array.isArray(where)) return;
  for (const [key, value] of Object.entries(where)) {
    if (key === 'any' && Array.isArray(value)) {
      value.forEach((block, index) => checkWhere(block, [...path, 'any', index], report));
    } else if (key === 'not') {
      checkWhere(value, [...path, 'not'], report);
    } else {
      report(path, key, (message) => message, key, { extraNames: WHERE_COMBINATORS });
    }
  }
}

function valuesAt(raw: unknown, keyPath: readonly string[], prefix: PathSegment[]): Array<{ path: PathSegment[]; value: unknown }> {
  if (keyPath.length === 0) return [{ path: prefix, value: raw }];
  const [head, ...rest] = keyPath;
  if (head === '*') {
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((item, index) => valuesAt(item, rest, [...prefix, index]));
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const value = (raw as Record<string, unknown>)[head!];
  return value === undefined ? [] : valuesAt(value, rest, [...prefix, head!]);
}
