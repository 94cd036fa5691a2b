import { z } from 'zod';

/**
 * One Auth0 log event as `GET /api/v2/logs` returns it. Only the fields the bot
 * relies on are checked; everything else is kept as is (events carry many
 * optional, type-specific fields). All values are untrusted input.
 */
export const LogEventSchema = z.looseObject({
  log_id: z.string().min(1),
  date: z.string().refine((d) => !Number.isNaN(Date.parse(d)), 'unparsable date'),
  type: z.string().min(1),
  description: z.string().nullish(),
  ip: z.string().nullish(),
  user_id: z.string().nullish(),
  user_name: z.string().nullish(),
  client_id: z.string().nullish(),
  client_name: z.string().nullish(),
  connection: z.string().nullish(),
  connection_id: z.string().nullish(),
  hostname: z.string().nullish(),
  user_agent: z.string().nullish(),
  location_info: z
    .looseObject({
      country_code: z.string().nullish(),
      country_name: z.string().nullish(),
      city_name: z.string().nullish(),
    })
    .nullish(),
  details: z.unknown().optional(),
});
export type LogEvent = z.infer<typeof LogEventSchema>;

export type ParsedLogEvent =
  | { ok: true; event: LogEvent }
  | { ok: false; problem: string };

/** Validates one raw value; never throws. `problem` names what is wrong in plain words. */
export function parseLogEvent(raw: unknown): ParsedLogEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: 'not an object' };
  }
  const result = LogEventSchema.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  const problem = result.error.issues
    .map((issue) => {
      const field = issue.path.join('.') || 'event';
      // zod's wording for an absent field ("expected string, received undefined") reads like a type puzzle.
      return issue.code === 'invalid_type' && /received undefined/.test(issue.message)
        ? `${field} is missing`
        : `${field}: ${issue.message}`;
    })
    .join('; ');
  return { ok: false, problem };
}

/** Event time in epoch milliseconds (the date was validated by the schema). */
export function eventTime(event: LogEvent): number {
  return Date.parse(event.date);
}

/** Auth0 log ids sort lexicographically in the API's own order. */
export function compareLogIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
