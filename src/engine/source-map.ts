import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { RuleError } from '../errors.js';

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

/** The value at a key path of plain parsed data (undefined when absent). */
export function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
