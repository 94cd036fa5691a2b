/**
 * Bounding untrusted JSON values from log events (the Management API today, log
 * streams later). Nothing here recurses deeper than EVENT_LIMITS.depth or reads
 * more than a bounded prefix of a string, so no value (a 5 MB user name, details
 * nested 10,000 levels deep, 100,000 keys) can make later work slow or throw.
 */

export const EVENT_LIMITS = {
  /** Characters of one string value kept (matching and display); a longer one is cut and ends in "…". */
  valueLength: 1_000,
  /** Characters of an object key kept. */
  keyLength: 100,
  /** Nesting levels kept as structure below an event field; deeper levels become compact text. */
  depth: 8,
  /** Entries of one object or array kept (the rest are dropped). */
  entries: 100,
  /** Values (strings, arrays, objects) kept per event in total; past it, remaining values are dropped. */
  nodes: 2_000,
  /** Characters of string values kept per event in total; past it, remaining values are dropped. */
  chars: 32_000,
  /** Characters of the compact rendering of an array or object shown in a display field. */
  renderLength: 300,
} as const;

/** What a normalised event field can hold: strings, and arrays and objects of them. */
export type KeptValue = string | KeptValue[] | { [key: string]: KeptValue };

const ELLIPSIS = '…';

/**
 * The first `max` characters of `text` (code units, never half a surrogate pair),
 * ending in "…" when cut; lone surrogates become U+FFFD. Reads only the prefix.
 */
export function cutText(text: string, max: number = EVENT_LIMITS.valueLength): string {
  if (text.length <= max) return wellFormed(text);
  let end = Math.max(0, max - ELLIPSIS.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${wellFormed(text.slice(0, end))}${ELLIPSIS}`;
}

/** A surrogate without its other half (JSON allows it, Slack and SQLite text do not). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** String.prototype.isWellFormed (Node 20; ES2024, past this project's lib). */
type WellFormedCheck = string & { isWellFormed(): boolean };

function wellFormed(text: string): string {
  // isWellFormed answers a one-byte string (nearly every value) without reading it, where a
  // regular expression scanned every character of every value of every event.
  return (text as WellFormedCheck).isWellFormed() ? text : text.replace(LONE_SURROGATE, '\uFFFD');
}

/** A scalar as text: strings cut, numbers and booleans as written; null, undefined and the rest absent. */
export function scalarToText(value: unknown, max: number = EVENT_LIMITS.valueLength): string | undefined {
  if (typeof value === 'string') return cutText(value, max);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * A compact, JSON-like one-line rendering of any value, at most `max`
 * characters: `{"nested":"object"}`, `["a","b"]`. Stops reading as soon as the
 * text is long enough and renders levels below `depth` as `…`, so its cost is
 * bounded by `max` (plus the keys of the objects it passes through).
 */
export function compactText(value: unknown, max: number = EVENT_LIMITS.renderLength): string {
  let out = '';
  const room = () => max - out.length;
  const write = (text: string): boolean => {
    if (text.length <= room()) {
      out += text;
      return true;
    }
    out += text.slice(0, Math.max(0, room()));
    return false;
  };
  const render = (item: unknown, depth: number): boolean => {
    if (item === null || item === undefined) return write('null');
    if (typeof item === 'string') return write(JSON.stringify(item.slice(0, Math.max(0, room()))));
    if (typeof item !== 'object') return write(String(scalarToText(item) ?? 'null'));
    if (depth >= EVENT_LIMITS.depth) return write(Array.isArray(item) ? '[…]' : '{…}');
    if (Array.isArray(item)) {
      if (!write('[')) return false;
      for (let index = 0; index < item.length; index++) {
        if (index > 0 && !write(',')) return false;
        if (!render(item[index], depth + 1)) return false;
      }
      return write(']');
    }
    if (!write('{')) return false;
    let first = true;
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      if (!first && !write(',')) return false;
      first = false;
      if (!write(`${JSON.stringify(key.slice(0, EVENT_LIMITS.keyLength))}:`)) return false;
      if (!render((item as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return write('}');
  };
  const complete = render(value, 0);
  return complete ? out : cutText(out + ELLIPSIS, max);
}

/** How much of an event's budget is left; shared by every field of one event. */
export class ValueBudget {
  nodes: number = EVENT_LIMITS.nodes;
  chars: number = EVENT_LIMITS.chars;
  /** Set when anything was cut or dropped (for a debug note, never a reason to skip the event). */
  trimmed = false;

  /** Takes one value of `length` characters from the budget; false when it is spent. */
  take(length: number): boolean {
    if (this.nodes <= 0 || this.chars < length) {
      this.trimmed = true;
      return false;
    }
    this.nodes -= 1;
    this.chars -= length;
    return true;
  }
}

/** Sets `key` as an own data property, even `__proto__` (plain assignment would change the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * A bounded copy of any JSON value for matching: strings cut, numbers and
 * booleans as strings, null absent, arrays and objects kept (own keys only, at
 * most EVENT_LIMITS.entries each) down to EVENT_LIMITS.depth levels, below which
 * they become compact text. Undefined when nothing is left (null, or budget spent).
 */
export function keepValue(value: unknown, budget: ValueBudget, depth = 0): KeptValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') {
    const text = scalarToText(value);
    if (text === undefined) return undefined;
    if (text.length < (typeof value === 'string' ? value.length : 0)) budget.trimmed = true;
    return budget.take(text.length) ? text : undefined;
  }
  if (depth >= EVENT_LIMITS.depth) {
    budget.trimmed = true;
    const text = compactText(value);
    return budget.take(text.length) ? text : undefined;
  }
  if (!budget.take(0)) return undefined;
  if (Array.isArray(value)) {
    const kept: KeptValue[] = [];
    const length = Math.min(value.length, EVENT_LIMITS.entries);
    if (length < value.length) budget.trimmed = true;
    for (let index = 0; index < length; index++) {
      const item = keepValue(value[index], budget, depth + 1);
      if (item !== undefined) kept.push(item);
    }
    return kept;
  }
  const kept: Record<string, KeptValue> = {};
  let entries = 0;
  const keys = Object.keys(value); // own enumerable keys, in `for in` order
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (entries++ >= EVENT_LIMITS.entries) {
      budget.trimmed = true;
      break;
    }
    const item = keepValue((value as Record<string, unknown>)[key], budget, depth + 1);
    if (item !== undefined) setOwn(kept, key.length > EVENT_LIMITS.keyLength ? cutText(key, EVENT_LIMITS.keyLength) : key, item);
  }
  return kept;
}

/**
 * A display field (user name, IP, application …): a scalar as text, an array or
 * object as its compact rendering, null absent. Never a reason to drop the event.
 */
export function displayText(value: unknown, budget?: ValueBudget): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = typeof value === 'object' ? compactText(value) : scalarToText(value);
  if (text === undefined) return undefined;
  if (budget && !budget.take(text.length)) return undefined;
  return text;
}
