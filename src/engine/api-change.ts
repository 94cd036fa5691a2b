import { z } from 'zod';

/**
 * What a Management API call (`sapi`) changed, as its log event tells it:
 * method and path, the settings sent in the request body (top-level keys,
 * values as short text) and who made the call. Kept small and plain (it is
 * stored with the alert); every value is untrusted text, escaped when shown.
 */
export const ApiChangeSchema = z.object({
  method: z.string().optional(),
  path: z.string().optional(),
  /** The request body's settings, top-level keys first-come, at most MAX_FIELDS. */
  fields: z.array(z.object({ key: z.string(), value: z.string() })),
  /** How many body keys were left out. */
  more: z.number().int().nonnegative(),
  actor: z.object({ email: z.string().optional(), name: z.string().optional(), userId: z.string().optional(), clientId: z.string().optional() }),
});
export type ApiChange = z.infer<typeof ApiChangeSchema>;

const MAX_FIELDS = 8;
const MAX_TEXT = 200;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value.slice(0, MAX_TEXT) : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** A body value as one short line: scalars as they are, objects and arrays as compact JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value.slice(0, MAX_TEXT);
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  return json.length > MAX_TEXT ? `${json.slice(0, MAX_TEXT - 1)}…` : json;
}

/** Undefined when the event carries no request details (nothing to say beyond its description). */
export function apiChange(event: { details?: unknown; client_id?: unknown }): ApiChange | undefined {
  const request = record(record(event.details)?.request);
  if (!request) return undefined;
  const body = record(request.body) ?? {};
  const keys = Object.keys(body);
  const user = record(record(request.auth)?.user) ?? {};
  const actor: ApiChange['actor'] = {};
  const email = text(user.email);
  const name = text(user.name);
  const userId = text(user.user_id);
  if (email) actor.email = email;
  if (name) actor.name = name;
  if (userId) actor.userId = userId;
  const clientId = text(event.client_id);
  if (!email && !userId && clientId) actor.clientId = clientId;
  const change: ApiChange = {
    fields: keys.slice(0, MAX_FIELDS).map((key) => ({ key: key.slice(0, MAX_TEXT), value: valueText(body[key]) })),
    more: Math.max(0, keys.length - MAX_FIELDS),
    actor,
  };
  const method = text(request.method);
  const path = text(request.path);
  if (method) change.method = method.toUpperCase();
  if (path) change.path = path;
  return change;
}
