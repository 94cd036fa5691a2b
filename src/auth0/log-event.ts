import { z } from 'zod';
import { auth0DateMillis } from './event-date.js';
import { EVENT_LIMITS, ValueBudget, cutText, displayText, keepValue, setOwn } from './event-values.js';

export { EVENT_LIMITS, compactText, cutText, type KeptValue } from './event-values.js';

/**
 * One Auth0 log event, normalised (see `normalizeLogEvent`). All values are
 * untrusted input, already bounded: display fields are strings of at most
 * EVENT_LIMITS.valueLength characters; every other field is a string or an
 * array / object of strings, bounded in depth, entries and total size.
 */
export interface LogEvent {
  log_id: string;
  date: string;
  type: string;
  description?: string;
  ip?: string;
  user_id?: string;
  user_name?: string;
  client_id?: string;
  client_name?: string;
  connection?: string;
  connection_id?: string;
  hostname?: string;
  user_agent?: string;
  location_info?: LocationInfo;
  /** A KeptValue after normalisation (typed loosely so tests and the demo can build events by hand). */
  details?: unknown;
  [field: string]: unknown;
}

export interface LocationInfo {
  country_code?: string;
  country_name?: string;
  city_name?: string;
  [field: string]: unknown;
}

/** Fields shown in messages and used for grouping: always text (an object or array becomes its compact rendering). */
export const DISPLAY_FIELDS = [
  'description',
  'ip',
  'user_id',
  'user_name',
  'client_id',
  'client_name',
  'connection',
  'connection_id',
  'hostname',
  'user_agent',
] as const;
const LOCATION_FIELDS = ['country_code', 'country_name', 'city_name'] as const;

/** Longest `log_id` / `type` / `date` accepted (Auth0's are 56 / ≤ 40 / 24 characters). */
const MAX_ID_LENGTH = 256;

const optionalText = z.string().nullish();

/**
 * What an alert keeps of its event: the fields a message shows, nothing else
 * (the outbox stores this, not the raw event). Unknown keys are stripped when a
 * stored alert is read back, so rows written by older versions still decode.
 */
export const EventSummarySchema = z.object({
  log_id: z.string(),
  date: z.string(),
  type: z.string(),
  ...Object.fromEntries(DISPLAY_FIELDS.map((field) => [field, optionalText])),
  location_info: z.object(Object.fromEntries(LOCATION_FIELDS.map((field) => [field, optionalText]))).nullish(),
} as {
  log_id: z.ZodString;
  date: z.ZodString;
  type: z.ZodString;
  location_info: z.ZodOptional<z.ZodNullable<z.ZodObject<Record<(typeof LOCATION_FIELDS)[number], typeof optionalText>>>>;
} & Record<(typeof DISPLAY_FIELDS)[number], typeof optionalText>);
export type EventSummary = z.infer<typeof EventSummarySchema>;

/** The display projection of an event, for an alert. */
export function eventSummary(event: LogEvent): EventSummary {
  const summary: EventSummary = { log_id: event.log_id, date: event.date, type: event.type };
  for (const field of DISPLAY_FIELDS) {
    const value = event[field];
    if (typeof value === 'string') summary[field] = value;
  }
  const location = event.location_info;
  if (location) {
    const kept: NonNullable<EventSummary['location_info']> = {};
    for (const field of LOCATION_FIELDS) if (typeof location[field] === 'string') kept[field] = location[field];
    summary.location_info = kept;
  }
  return summary;
}

export type ParsedLogEvent =
  | { ok: true; event: LogEvent; /** Something was cut or dropped to stay within EVENT_LIMITS. */ trimmed?: boolean }
  | { ok: false; problem: string };

function idProblem(raw: Record<string, unknown>, field: 'log_id' | 'type' | 'date'): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null || value === '') return `${field} is missing`;
  if (typeof value !== 'string') return `${field} is not a string (${Array.isArray(value) ? 'array' : typeof value})`;
  if (value.length > MAX_ID_LENGTH) return `${field} is longer than ${MAX_ID_LENGTH} characters`;
  if (field === 'date' && Number.isNaN(auth0DateMillis(value)) && Number.isNaN(Date.parse(value))) return 'date: unparsable date';
  return undefined;
}

/**
 * Validates and normalises one raw log event; never throws, and its work is
 * bounded by EVENT_LIMITS whatever the input. Only being an object and its
 * `log_id`, `type` and `date` decide whether an event is usable; every other
 * field is normalised, never a reason to skip the event:
 * - display fields (DISPLAY_FIELDS, `location_info.*`): numbers and booleans
 *   become strings, arrays and objects their compact JSON-like rendering
 *   (`{"a":"b"}`, at most EVENT_LIMITS.renderLength characters), null absent;
 * - every other field (`details`, `scope`, …): numbers and booleans become
 *   strings, null is absent, arrays and objects keep their structure (so rules
 *   can reach `details.request.path`) down to EVENT_LIMITS.depth levels;
 * - every string is cut to EVENT_LIMITS.valueLength characters ("…" at the end),
 *   and the event as a whole keeps at most EVENT_LIMITS.nodes values and
 *   EVENT_LIMITS.chars characters (display fields first).
 * The same normaliser serves every log source (Management API pages, replay files, log streams).
 */
export function normalizeLogEvent(raw: unknown): ParsedLogEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: 'not an object' };
  const input = raw as Record<string, unknown>;
  const logIdProblem = idProblem(input, 'log_id');
  const dateProblem = idProblem(input, 'date');
  const typeProblem = idProblem(input, 'type');
  if (logIdProblem || dateProblem || typeProblem) {
    return { ok: false, problem: [logIdProblem, dateProblem, typeProblem].filter((p) => p !== undefined).join('; ') };
  }

  const budget = new ValueBudget();
  const event: LogEvent = { log_id: input.log_id as string, date: input.date as string, type: input.type as string };
  keepDisplayFields(event, input, budget);
  const location = input.location_info;
  if (location !== null && typeof location === 'object' && !Array.isArray(location)) {
    const source = location as Record<string, unknown>;
    const kept: LocationInfo = {};
    keepLocationFields(kept, source, budget);
    keepOtherFields(kept, source, LOCATION_FIELD_SET, budget, 2);
    event.location_info = kept;
  } else if (location !== undefined && location !== null) {
    budget.trimmed = true; // a location that is not an object has no city or country to show
  }
  keepOtherFields(event, input, RESERVED_FIELDS, budget, 1);
  return budget.trimmed ? { ok: true, event, trimmed: true } : { ok: true, event };
}

/*
 * The display fields, in DISPLAY_FIELDS order (the budget serves them first), spelled out one by
 * one: a loop over the names made each read and each write a megamorphic keyed access, about a
 * third of normalising an event. Tests check that every field of DISPLAY_FIELDS and
 * LOCATION_FIELDS is kept, in that order.
 */
function keepDisplayFields(event: LogEvent, input: Record<string, unknown>, budget: ValueBudget): void {
  let text: string | undefined;
  if ((text = displayText(input.description, budget)) !== undefined) event.description = text;
  if ((text = displayText(input.ip, budget)) !== undefined) event.ip = text;
  if ((text = displayText(input.user_id, budget)) !== undefined) event.user_id = text;
  if ((text = displayText(input.user_name, budget)) !== undefined) event.user_name = text;
  if ((text = displayText(input.client_id, budget)) !== undefined) event.client_id = text;
  if ((text = displayText(input.client_name, budget)) !== undefined) event.client_name = text;
  if ((text = displayText(input.connection, budget)) !== undefined) event.connection = text;
  if ((text = displayText(input.connection_id, budget)) !== undefined) event.connection_id = text;
  if ((text = displayText(input.hostname, budget)) !== undefined) event.hostname = text;
  if ((text = displayText(input.user_agent, budget)) !== undefined) event.user_agent = text;
}

function keepLocationFields(kept: LocationInfo, source: Record<string, unknown>, budget: ValueBudget): void {
  let text: string | undefined;
  if ((text = displayText(source.country_code, budget)) !== undefined) kept.country_code = text;
  if ((text = displayText(source.country_name, budget)) !== undefined) kept.country_name = text;
  if ((text = displayText(source.city_name, budget)) !== undefined) kept.city_name = text;
}

const RESERVED_FIELDS: ReadonlySet<string> = new Set(['log_id', 'date', 'type', 'location_info', ...DISPLAY_FIELDS]);
const LOCATION_FIELD_SET: ReadonlySet<string> = new Set(LOCATION_FIELDS);

/** Copies the fields of `source` not in `skip` as bounded values (at most EVENT_LIMITS.entries of them). */
function keepOtherFields(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  skip: ReadonlySet<string>,
  budget: ValueBudget,
  depth: number,
): void {
  let entries = 0;
  // Own enumerable keys, as `for in` with Object.hasOwn gave them (same order), without a call per key.
  const keys = Object.keys(source);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (skip.has(key)) continue;
    if (entries++ >= EVENT_LIMITS.entries) {
      budget.trimmed = true;
      return;
    }
    const value = keepValue(source[key], budget, depth);
    if (value !== undefined) setOwn(target, key.length > EVENT_LIMITS.keyLength ? cutText(key, EVENT_LIMITS.keyLength) : key, value);
  }
}

/** The historical name: every caller normalises. */
export const parseLogEvent = normalizeLogEvent;

/** Event time in epoch milliseconds (the date was validated by the normaliser). */
export function eventTime(event: LogEvent): number {
  return Date.parse(event.date);
}

/** Auth0 log ids sort lexicographically in the API's own order. */
export function compareLogIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
