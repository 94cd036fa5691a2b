import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { Catalog } from '../catalog/types.js';
import { RuleError } from '../errors.js';
import { globToRegExp, isGlob } from './matchers.js';
import { RuleSchema, type Rule } from './rule-schema.js';

export interface LoadedRules {
  rules: Rule[];
  /** Every problem in every file, each located at file:line:col and a key path. */
  problems: RuleError[];
  /** Not fatal: globs matching no known code, rules lacking a firing or a quiet test. */
  warnings: string[];
}

type PathSegment = string | number;

/** `match.codes[2]` */
export function formatKeyPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}

/** Locates a parsed YAML file's nodes by key path, for messages that point at the right line. */
class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the deepest existing node along `path`; with `key`, of that key inside the map at `path`. */
  locate(path: readonly PathSegment[], key?: string): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const segment of path) {
      const next = childOf(node, segment);
      if (!next) break;
      // Point at the value (what is wrong), or at the key when the value is empty.
      offset = rangeStart(next.value) ?? rangeStart(next.key) ?? offset;
      if (!next.value) break;
      node = next.value;
    }
    if (key !== undefined) {
      const pair = childOf(node, key);
      const keyOffset = rangeStart(pair?.key);
      if (keyOffset !== undefined) offset = keyOffset;
    }
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  error(path: readonly PathSegment[], detail: string, key?: string): RuleError {
    const { line, col } = this.locate(path, key);
    const fullPath = key === undefined ? path : [...path, key];
    return new RuleError(this.file, line, col, formatKeyPath(fullPath), detail);
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? range[0] : undefined;
}

function childOf(node: unknown, segment: PathSegment): { key?: Node; value?: Node } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(segment)) {
        return { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item ? { value: item as Node } : undefined;
  }
  return undefined;
}

function zodProblems(source: SourceMap, error: z.ZodError, raw: unknown): RuleError[] {
  const problems: RuleError[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(source.error(path, `unknown key '${key}'`, key));
      continue;
    }
    if (issue.code === 'invalid_union') {
      // Report the most specific branch instead of "invalid input".
      const branches = issue.errors.map((branch) => branch.map((sub) => ({ ...sub, path: [...path, ...sub.path] })));
      const best = branches.find((branch) => branch.some((sub) => sub.code !== 'invalid_type')) ?? branches[0];
      if (best && best.length > 0) {
        problems.push(...zodProblems(source, { issues: best } as unknown as z.ZodError, raw));
        continue;
      }
    }
    const detail = valueAt(raw, path) === undefined && issue.code !== 'custom' ? 'required' : issue.message;
    problems.push(source.error(path, detail));
  }
  return problems;
}

function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Unknown exact codes are errors with a suggestion; globs that match nothing known only warn. */
function codeProblems(source: SourceMap, raw: unknown, catalog: Catalog, warnings: string[]): RuleError[] {
  const lists: Array<{ codes: unknown; at: PathSegment[] }> = [{ codes: (raw as { match?: { codes?: unknown } } | null)?.match?.codes, at: ['match', 'codes'] }];
  const steps = (raw as { sequence?: { steps?: unknown } } | null)?.sequence?.steps;
  if (Array.isArray(steps)) steps.forEach((step, index) => lists.push({ codes: (step as { codes?: unknown } | null)?.codes, at: ['sequence', 'steps', index, 'codes'] }));
  return lists.flatMap(({ codes, at }) => (Array.isArray(codes) ? codeListProblems(source, codes, at, catalog, warnings) : []));
}

function codeListProblems(source: SourceMap, codes: unknown[], at: PathSegment[], catalog: Catalog, warnings: string[]): RuleError[] {
  const problems: RuleError[] = [];
  codes.forEach((code, index) => {
    if (typeof code !== 'string' || code === '') return;
    const path = [...at, index];
    if (isGlob(code)) {
      const pattern = globToRegExp(code);
      if (!catalog.all().some((entry) => pattern.test(entry.code))) {
        const { line, col } = source.locate(path);
        warnings.push(`${source.file}:${line}:${col} ${formatKeyPath(path)}: '${code}' matches no known code yet`);
      }
      return;
    }
    if (catalog.get(code)?.code === code) return;
    const close = catalog.get(code)?.code ?? catalog.suggest(code, 3).find((candidate) => looksLike(code, candidate));
    const hint = close ? ` — did you mean '${close}'?` : '';
    problems.push(source.error(path, `unknown code '${code}'${hint}`));
  });
  return problems;
}

/** Only suggest codes a typo away: Fuse always finds *something*, and a far-fetched hint misleads. */
function looksLike(typed: string, candidate: string): boolean {
  const a = typed.toLowerCase();
  const b = candidate.toLowerCase();
  if (a.replace(/[^a-z0-9]/g, '') === b.replace(/[^a-z0-9]/g, '')) return true;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]! <= Math.max(2, Math.floor(Math.max(a.length, b.length) / 3));
}

function testWarnings(file: string, rule: Rule): string[] {
  const tests = rule.tests ?? [];
  const warnings: string[] = [];
  if (!tests.some((test) => test.expect.alerts > 0)) warnings.push(`${file}: rule '${rule.id}' has no test that fires`);
  if (!tests.some((test) => test.expect.alerts === 0)) warnings.push(`${file}: rule '${rule.id}' has no quiet test`);
  return warnings;
}

/** Parses one rule file; never throws. */
export function loadRuleFile(
  file: string,
  text: string,
  catalog: Catalog,
): { rule?: Rule; problems: RuleError[]; warnings: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const { line, col } = lines.linePos(error.pos[0]);
      return new RuleError(file, line, col, '', `not valid YAML: ${error.message.split('\n')[0]}`);
    });
    return { problems, warnings: [] };
  }
  const source = new SourceMap(file, doc, lines);
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const found = raw === null || raw === undefined ? 'the file is empty' : Array.isArray(raw) ? 'found a list' : 'found a single value';
    return { problems: [source.error([], `expected a YAML mapping with id, severity and match (${found}; one rule per file)`)], warnings: [] };
  }
  const warnings: string[] = [];
  const problems = codeProblems(source, raw, catalog, warnings);
  const parsed = RuleSchema.safeParse(raw);
  if (!parsed.success) problems.unshift(...zodProblems(source, parsed.error, raw));
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  if (problems.length > 0 || !parsed.success) return { problems, warnings };
  return { rule: parsed.data, problems, warnings: [...warnings, ...testWarnings(file, parsed.data)] };
}

/** The `id` of a rule file that did not validate, when it has a usable one. */
function rawId(text: string): string | undefined {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  const id = (doc.toJS() as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Loads every `.yml`/`.yaml` file of a directory (sorted by name); never throws for bad files. */
export function loadRules(dir: string, catalog: Catalog): LoadedRules {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /\.ya?ml$/i.test(name)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code ?? 'error'})`;
    const detail = `the rules directory ${reason}; pass --rules DIR or set RULES_DIR`;
    return { rules: [], problems: [new RuleError(dir, 1, 1, '', detail)], warnings: [] };
  }
  const result: LoadedRules = { rules: [], problems: [], warnings: [] };
  if (names.length === 0) result.warnings.push(`${dir}: no .yml rule files`);
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      result.problems.push(new RuleError(file, 1, 1, '', `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`));
      continue;
    }
    const loaded = loadRuleFile(file, text, catalog);
    result.problems.push(...loaded.problems);
    result.warnings.push(...loaded.warnings);
    // Ids are compared even in files with other problems, so that every error shows in one run.
    const id = loaded.rule?.id ?? rawId(text);
    const previous = id === undefined ? undefined : seen.get(id);
    if (id !== undefined && previous) {
      const lines = new LineCounter();
      const doc = parseDocument(text, { lineCounter: lines });
      result.problems.push(new SourceMap(file, doc, lines).error(['id'], `duplicate id '${id}' (also in ${previous})`));
      continue;
    }
    if (id !== undefined) seen.set(id, file);
    if (loaded.rule) result.rules.push(loaded.rule);
  }
  return result;
}
