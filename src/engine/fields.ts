import { EVENT_LIMITS, compactText, cutText } from '../auth0/event-values.js';

/**
 * Reads event fields by dotted path; values are untrusted and of any shape.
 * Only own properties count: `constructor` or `__proto__.x` never reach
 * Object.prototype, whatever an event or a rule names.
 */

export type FieldGetter = (event: object) => unknown;

/**
 * Names Object.prototype has (`constructor`, `toString`, `__proto__`, …): only
 * for these is an event's own property told apart from an inherited one
 * (Object.hasOwn). Events and their nested values are plain data objects —
 * the normaliser builds them from JSON, copying keys as own properties — so
 * any other name can only be their own; checking it on every read was the
 * larger part of reading a field.
 */
function inheritable(key: string): boolean {
  return key in Object.prototype;
}

type Fields = Record<string, unknown>;

/**
 * Readers of one top-level field, all alike but each its own function literal:
 * V8 keeps the type feedback of a property read per literal, not per closure,
 * so getters made from one literal share one read that sees every field name
 * the rules use, and each read became a generic (megamorphic) look-up. A field
 * name takes the next unused literal; once all are taken, names share the last.
 */
const READERS: ReadonlyArray<(key: string) => FieldGetter> = [
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
  (key) => (event) => (event as Fields)[key],
];
/** Field name → its reader literal's index in READERS. */
const readerOfField = new Map<string, number>();

function ownFieldReader(key: string): FieldGetter {
  if (inheritable(key)) return (event) => (Object.hasOwn(event, key) ? (event as Fields)[key] : undefined);
  let index = readerOfField.get(key);
  if (index === undefined) readerOfField.set(key, (index = Math.min(readerOfField.size, READERS.length - 1)));
  return READERS[index]!(key);
}

/** Builds a getter once per path (`ip`, `details.request.path`) so matching does no string splitting. */
export function fieldGetter(path: string): FieldGetter {
  const parts = path.split('.');
  if (parts.length === 1) return ownFieldReader(parts[0]!);
  const checked = parts.map(inheritable);
  return (event) => {
    let value: unknown = event;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (value === null || typeof value !== 'object' || (checked[i] && !Object.hasOwn(value, part))) return undefined;
      value = (value as Fields)[part];
    }
    return value;
  };
}

/** A field "exists" when it holds something other than null, undefined or "" (Auth0 sends `user_id: ""`). */
export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * A compact string form of a field value for grouping, distinct counting and
 * titles; null when absent. Arrays and objects render as bounded compact JSON
 * (never JSON.stringify of the whole value: it may be huge or deeply nested).
 */
export function valueText(value: unknown, maxLength = 200): string | null {
  if (!isPresent(value)) return null;
  if (typeof value === 'object') return compactText(value, Math.min(maxLength, EVENT_LIMITS.renderLength));
  const text = typeof value === 'string' ? value : String(value);
  return text.length > maxLength ? cutText(text, maxLength) : text;
}

/** The user an event is about, for "top users": the name people recognise, else the id. */
export function eventUser(event: { user_name?: string | null; user_id?: string | null }): string | null {
  return valueText(event.user_name, 120) ?? valueText(event.user_id, 120);
}
