import { EVENT_LIMITS, compactText, cutText } from '../auth0/event-values.js';

/**
 * Reads event fields by dotted path; values are untrusted and of any shape.
 * Only own properties count: `constructor` or `__proto__.x` never reach
 * Object.prototype, whatever an event or a rule names.
 */

export type FieldGetter = (event: object) => unknown;

/** Builds a getter once per path (`ip`, `details.request.path`) so matching does no string splitting. */
export function fieldGetter(path: string): FieldGetter {
  const parts = path.split('.');
  if (parts.length === 1) {
    const [key] = parts as [string];
    return (event) => (Object.hasOwn(event, key) ? (event as Record<string, unknown>)[key] : undefined);
  }
  return (event) => {
    let value: unknown = event;
    for (const part of parts) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
      value = (value as Record<string, unknown>)[part];
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
