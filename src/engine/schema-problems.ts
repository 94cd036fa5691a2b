import type { z } from 'zod';
import type { RuleError } from '../errors.js';
import { OPERATORS } from './rule-schema.js';
import { valueAt, type PathSegment, type SourceMap } from './source-map.js';
import { closestNames, didYouMean } from './suggest.js';

/**
 * Turns a schema's validation issues into one plain sentence per problem,
 * located in the file: "unknown key 'wehre' — did you mean 'where'?", never the
 * validator's own wording ("Unrecognized key", "Invalid input: expected …").
 */
export function schemaProblems(
  source: SourceMap,
  schema: z.ZodType,
  error: z.ZodError,
  raw: unknown,
  options: { showValues?: boolean } = {},
): RuleError[] {
  // A configuration file may hold secrets: its values are then never quoted back.
  const describe = options.showValues === false ? describeKind : describeValue;
  const issues = flattenUnions(error.issues as unknown as Issue[], raw);
  // An object with a misspelt key says that once, not also "expected at least one operator".
  const unknownKeyAt = new Set(issues.filter((issue) => issue.code === 'unrecognized_keys').map((issue) => pathKey(issue.path)));
  // A misspelt required key (`periode`) says so once, with its suggestion — not also "period: required".
  const suggestedAt = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const allowed = keysAt(schema, issue.path);
    for (const key of issue.keys ?? []) for (const name of closestNames(key, allowed)) suggestedAt.add(pathKey([...issue.path, name]));
  }
  const problems: RuleError[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, path);
      const isCondition = allowed.includes('equals') && allowed.includes('exists');
      for (const key of issue.keys ?? []) {
        const what = isCondition ? 'unknown operator' : 'unknown key';
        const options = allowed.length > 0 && !didYouMean(key, allowed) ? ` (expected one of: ${allowed.join(', ')})` : '';
        problems.push(source.error(path, `${what} '${key}'${didYouMean(key, allowed)}${options}`, key));
      }
      continue;
    }
    if (issue.code === 'custom' && unknownKeyAt.has(pathKey(path))) continue;
    if (suggestedAt.has(pathKey(path)) && valueAt(raw, path) === undefined) continue;
    problems.push(source.error(path, plainWords(issue, valueAt(raw, path), describe)));
  }
  return problems;
}

interface Issue {
  code: string;
  path: PathSegment[];
  message: string;
  keys?: string[];
  values?: unknown[];
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  errors?: Issue[][];
}

function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

/**
 * A union (`throttle: 1h` or `throttle: { period, by }`) reports every branch.
 * Keep the branch whose shape fits the value (its issues lie deeper), or, when
 * none fits, say which shapes were expected.
 */
function flattenUnions(issues: readonly Issue[], raw: unknown): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
    if (issue.code !== 'invalid_union' || !issue.errors) {
      out.push({ ...issue, path });
      continue;
    }
    const branches = issue.errors.map((branch) => branch.map((sub) => ({ ...sub, path: [...path, ...sub.path] })));
    const fitting = branches.find((branch) => branch.length > 0 && !branch.some((sub) => sub.code === 'invalid_type' && sub.path.length === path.length));
    if (fitting) {
      out.push(...flattenUnions(fitting, raw));
      continue;
    }
    const expected = [...new Set(branches.flatMap((branch) => branch.map((sub) => sub.expected)).filter((e): e is string => !!e))];
    out.push({ code: 'invalid_type', path, message: '', expected: expected.join('|') });
  }
  return out;
}

const NOUNS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
};

/** What a value is, without saying what it holds. */
function describeKind(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return typeof value === 'number' ? 'a number' : 'true or false';
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text '${value.length > 40 ? `${value.slice(0, 39)}…` : value}'`;
  if (typeof value === 'boolean') return String(value);
  return `the ${typeof value} ${String(value)}`;
}

/** The validator's defaults start so; a message written in the schema is kept as it is. */
const DEFAULT_WORDING = /^(Invalid|Too (small|big)|Unrecognized|Expected)/;

function plainWords(issue: Issue, value: unknown, describe: (value: unknown) => string): string {
  if (value === undefined && issue.code !== 'custom') return 'required';
  if (issue.message && !DEFAULT_WORDING.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = (issue.expected ?? '').split('|').map((name) => NOUNS[name] ?? name);
      return `expected ${expected.join(' or ')}, found ${describe(value)}`;
    }
    case 'invalid_value': {
      const values = (issue.values ?? []).map(String);
      if (describe === describeKind) return `expected one of ${values.join(', ')}`;
      const shown = typeof value === 'string' ? `'${value}'` : describe(value);
      return `${shown} is not one of ${values.join(', ')}${typeof value === 'string' ? didYouMean(value, values, 1) : ''}`;
    }
    case 'too_small':
    case 'too_big': {
      const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const bound = issue.code === 'too_small' ? (issue.inclusive === false ? 'more than' : 'at least') : issue.inclusive === false ? 'less than' : 'at most';
      if (issue.origin === 'array') return `needs ${bound} ${limit} item${limit === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return limit === 1 && issue.code === 'too_small' ? 'must not be empty' : `must be ${bound} ${limit} characters long`;
      return `must be ${bound} ${limit}`;
    }
    case 'invalid_format':
      return 'has the wrong format';
    default:
      return issue.message || 'invalid value';
  }
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Object schemas reachable at `path` (through optional, default, lazy, unions…). */
function objectsAt(schema: z.ZodType, path: readonly PathSegment[]): Def[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return objectsAt(def.innerType!, path);
    case 'lazy':
      return objectsAt(def.getter!(), path);
    case 'pipe':
      return objectsAt(def.in!, path);
    case 'union':
      return (def.options ?? []).flatMap((option) => objectsAt(option, path));
    default:
      break;
  }
  if (path.length === 0) return def.type === 'object' ? [def] : [];
  const [head, ...rest] = path;
  if (def.type === 'array' && typeof head === 'number') return objectsAt(def.element!, rest);
  if (def.type === 'record') return objectsAt(def.valueType!, rest);
  if (def.type === 'object' && typeof head === 'string') {
    const child = def.shape?.[head] ?? def.catchall;
    return child ? objectsAt(child, rest) : [];
  }
  return [];
}

/** The keys a strict object at `path` accepts, in schema order. */
export function keysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const keys = objectsAt(schema, path).flatMap((def) => Object.keys(def.shape ?? {}));
  const unique = [...new Set(keys)];
  // A condition's operators are listed in the documented order.
  return unique.includes('equals') ? [...OPERATORS] : unique;
}
