import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, YAMLParseError, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { RuleError } from '../errors.js';
import { plainYamlProblem } from './yaml-problems.js';

export type PathSegment = string | number;

/** `match.codes[2]` */
export function formatKeyPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}

/**
 * Parses a YAML file for rules and configuration. The yaml library's own
 * `uniqueKeys` check compares every key with every earlier one (a file of
 * 16,000 keys took seconds); duplicates are found here with one Set per map
 * instead, and reported as the library would (DUPLICATE_KEY, at the repeated
 * key), naming the key. An alias with no anchor before it is an error here too:
 * the library would only throw later, from toJS(), with no position.
 */
export function parseYaml(text: string, lineCounter?: LineCounter): Document {
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) return doc;
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) !== undefined) return;
      const start = alias.range?.[0] ?? 0;
      doc.errors.push(new YAMLParseError([start, start + 1], 'BAD_ALIAS', `the alias *${alias.source} refers to no anchor &${alias.source} set before it`));
    },
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const start = rangeStart(pair.key) ?? 0;
        doc.errors.push(new YAMLParseError([start, start + 1], 'DUPLICATE_KEY', `the key '${String(key)}' appears twice in one mapping`));
      }
    },
  });
  return doc;
}

/** Locates a parsed YAML file's nodes by key path, for messages that point at the right line. */
export class SourceMap {
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

  /** `file:line:col key.path: detail`, for warnings (not errors). */
  warning(path: readonly PathSegment[], detail: string, key?: string): string {
    return this.error(path, detail, key).message;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Each map's pairs by key text, built once: locating every one of n problems in a map of n keys stays linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairsOf(map: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (isPair(pair) && isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair as Pair);
    }
    pairIndex.set(map, index);
  }
  return index;
}

function childOf(node: unknown, segment: PathSegment): { key?: Node; value?: Node } | undefined {
  if (isMap(node)) {
    const pair = pairsOf(node).get(String(segment));
    return pair ? { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined } : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item ? { value: item as Node } : undefined;
  }
  return undefined;
}

/** The value at a key path of plain parsed data (undefined when absent). */
export function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** A file's text, or why it cannot be read (located at 1:1). */
export function readSourceText(file: string): { text: string } | { problem: RuleError } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (error) {
    return { problem: new RuleError(file, 1, 1, '', `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`) };
  }
}

/** A YAML text as plain data with its SourceMap, or its syntax errors, each located. */
export function parseYamlSource(file: string, text: string): { source: SourceMap; raw: unknown } | { problems: RuleError[] } {
  const lines = new LineCounter();
  const doc = parseYaml(text, lines);
  const first = doc.errors[0];
  if (first) {
    // One slip is often several parser errors: the first is the one to fix.
    const { line, col } = lines.linePos(first.pos[0]);
    return { problems: [new RuleError(file, line, col, '', `not valid YAML: ${plainYamlProblem(first, true)}`)] };
  }
  const raw = yamlToJs(doc);
  if (!raw.ok) return { problems: [new RuleError(file, 1, 1, '', `not valid YAML: ${raw.problem}`)] };
  return { source: new SourceMap(file, doc, lines), raw: raw.value };
}

/** The document as plain data, or why not: aliases expanding past the library's bound (a "billion laughs" file). */
export function yamlToJs(doc: Document): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: doc.toJS() };
  } catch {
    return { ok: false, problem: 'its aliases (*name) expand to too much data' };
  }
}
