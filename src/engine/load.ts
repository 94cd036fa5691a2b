import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Catalog } from '../catalog/types.js';
import { RuleError } from '../errors.js';
import { globToRegExp, isGlob } from './matchers.js';
import { ruleFieldProblems } from './rule-fields.js';
import type { RuleCache } from './rule-cache.js';
import { sha256 } from './rule-cache.js';
import { RuleSchema, type Rule } from './rule-schema.js';
import { schemaProblems } from './schema-problems.js';
import { SourceMap, formatKeyPath, parseYaml, parseYamlSource, readSourceText, yamlToJs, type PathSegment } from './source-map.js';
import { looksLike } from './suggest.js';

export { formatKeyPath } from './source-map.js';

export interface LoadedRules {
  rules: Rule[];
  /** Every problem in every file, each located at file:line:col and a key path. */
  problems: RuleError[];
  /** Not fatal: globs matching no known code, rules lacking a firing or a quiet test. */
  warnings: string[];
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
  const parsedYaml = parseYamlSource(file, text);
  if ('problems' in parsedYaml) return { problems: parsedYaml.problems, warnings: [] };
  const { source, raw } = parsedYaml;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const found = raw === null || raw === undefined ? 'the file is empty' : Array.isArray(raw) ? 'found a list' : 'found a single value';
    return { problems: [source.error([], `expected a YAML mapping with id, severity and match (${found}; one rule per file)`)], warnings: [] };
  }
  const warnings: string[] = [];
  const problems = codeProblems(source, raw, catalog, warnings);
  const fields = ruleFieldProblems(source, raw);
  warnings.push(...fields.warnings);
  const parsed = RuleSchema.safeParse(raw);
  if (!parsed.success) problems.push(...withoutFieldOverlap(schemaProblems(source, RuleSchema, parsed.error, raw), fields.problems));
  problems.push(...fields.problems);
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  if (problems.length > 0 || !parsed.success) return { problems, warnings };
  return { rule: parsed.data, problems, warnings: [...warnings, ...testWarnings(file, parsed.data)] };
}

/** A misspelt field is one problem: not also "expected at least one operator" under it. */
function withoutFieldOverlap(schema: RuleError[], fields: readonly RuleError[]): RuleError[] {
  const under = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return schema.filter((problem) => !fields.some((field) => under(problem.keyPath, field.keyPath)));
}

/** The `id` of a rule file that did not validate, when it has a usable one. */
function rawId(text: string): string | undefined {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  const js = yamlToJs(doc); // an alias with no anchor throws from toJS(): that file's problem is reported already
  const id = js.ok ? (js.value as { id?: unknown } | null)?.id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The file in a user's rules folder that says how the default rules apply (see layers.ts); not a rule. */
export const DEFAULTS_FILE = 'defaults.yml';

/** A valid rule and the file it came from. */
export interface RuleEntry {
  rule: Rule;
  file: string;
}

export interface LoadedFolder {
  entries: RuleEntry[];
  problems: RuleError[];
  warnings: string[];
  /** Every .yml/.yaml name in the folder, the defaults file included. */
  names: string[];
  /** Rules lacking a firing or a quiet test: for `rules check`, not for a running bot (also in `warnings`). */
  testWarnings: string[];
}

/** How many .yml/.yaml files a subfolder holds (0 when it cannot be read). */
function ruleFilesIn(dir: string): number {
  try {
    return readdirSync(dir).filter((name) => /\.ya?ml$/i.test(name)).length;
  } catch {
    return 0;
  }
}

/**
 * Loads every `.yml`/`.yaml` rule file of a directory (sorted by name, the
 * defaults file aside); never throws for bad files. `seen` (id → file) spans
 * folders, so an id defined twice is reported wherever the second one is.
 * `cache`: rules recorded at build time for this folder (see rule-cache.ts),
 * used for a file only when its text hashes to the recorded SHA-256.
 */
export function loadRuleFolder(dir: string, catalog: Catalog, seen = new Map<string, string>(), cache?: RuleCache): LoadedFolder {
  let names: string[];
  let subfolders: string[];
  try {
    const found = readdirSync(dir, { withFileTypes: true });
    names = found.filter((entry) => !entry.isDirectory() && /\.ya?ml$/i.test(entry.name)).map((entry) => entry.name).sort();
    subfolders = found.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code ?? 'error'})`;
    const detail = `the rules directory ${reason}; pass --rules DIR or set RULES_DIR`;
    return { entries: [], problems: [new RuleError(dir, 1, 1, '', detail)], warnings: [], names: [], testWarnings: [] };
  }
  const result: LoadedFolder = { entries: [], problems: [], warnings: [], names, testWarnings: [] };
  if (names.length === 0) result.warnings.push(`${dir}: no .yml rule files`);
  // Rules organised in subfolders would be skipped without a word: a rule nobody runs.
  for (const sub of subfolders) {
    const count = ruleFilesIn(join(dir, sub));
    if (count === 0) continue;
    result.warnings.push(
      `${join(dir, sub)}: ${count === 1 ? '1 rule file in this subfolder is' : `${count} rule files in this subfolder are`} not read (only the folder's own .yml files are): ` +
        `move ${count === 1 ? 'it' : 'them'} up, or add the subfolder to RULES_DIR (a:b) or pass it with another --rules`,
    );
  }
  for (const name of names) {
    if (name === DEFAULTS_FILE) continue;
    const file = join(dir, name);
    if (/^defaults\.ya?ml$/i.test(name)) {
      // Read as a rule it would fail as three schema errors, and its settings would not apply.
      result.problems.push(new RuleError(file, 1, 1, '', `the defaults file is read only as ${DEFAULTS_FILE}: rename ${name} to ${DEFAULTS_FILE}`));
      continue;
    }
    const read = readSourceText(file);
    if ('problem' in read) {
      result.problems.push(read.problem);
      continue;
    }
    const { text } = read;
    const cached = cache?.get(name);
    const loaded = cached && cached.sha256 === sha256(text) ? { rule: cached.rule, problems: [], warnings: [] } : loadRuleFile(file, text, catalog);
    result.problems.push(...loaded.problems);
    result.warnings.push(...loaded.warnings);
    if (loaded.rule) result.testWarnings.push(...testWarnings(file, loaded.rule));
    // Ids are compared even in files with other problems, so that every error shows in one run.
    const id = loaded.rule?.id ?? rawId(text);
    const previous = id === undefined ? undefined : seen.get(id);
    if (id !== undefined && previous) {
      const lines = new LineCounter();
      const doc = parseYaml(text, lines);
      result.problems.push(new SourceMap(file, doc, lines).error(['id'], `duplicate id '${id}' (also in ${previous})`));
      continue;
    }
    if (id !== undefined) seen.set(id, file);
    if (loaded.rule) result.entries.push({ rule: loaded.rule, file });
  }
  return result;
}

/** One folder's rules, without layering (see loadRuleLayers for what `run` uses). */
export function loadRules(dir: string, catalog: Catalog): LoadedRules {
  const { entries, problems, warnings } = loadRuleFolder(dir, catalog);
  return { rules: entries.map((entry) => entry.rule), problems, warnings };
}
