import { auth0DateMillis, minuteMillis } from '../auth0/event-date.js';
import type { LogEvent } from '../auth0/log-event.js';

export { daysFromCivil } from '../auth0/event-date.js';

/**
 * The last date whose minute was read (`2024-05-01T12:00:…`) and that
 * minute's epoch ms. A page's events are seconds apart, so most share the
 * previous event's minute and only their seconds and fraction are read.
 * Starts as text no date begins with.
 */
let minuteDate = '\u0000';
let minuteMs = 0;

/** Characters of `YYYY-MM-DDTHH:MM:` that make up a minute. */
const MINUTE_LENGTH = 17;

/**
 * minuteMillis, remembering the last minute read. The prefix is compared a
 * character at a time, from the end (the minute's digits change first):
 * `startsWith` against a kept slice of the date (a sliced string) took a
 * runtime call, about a thousand instructions per event under callgrind.
 */
function rememberedMinute(date: string): number {
  const known = minuteDate;
  let same = known.length >= MINUTE_LENGTH;
  for (let i = MINUTE_LENGTH - 1; same && i >= 0; i--) same = date.charCodeAt(i) === known.charCodeAt(i);
  if (same) return minuteMs;
  const millis = minuteMillis(date);
  if (!Number.isNaN(millis)) {
    minuteDate = date;
    minuteMs = millis;
  }
  return millis;
}

/**
 * Event time in epoch ms. Auth0's own form is read by hand (see
 * auth0/event-date.ts), its minute usually from the previous event's;
 * anything else (an offset, a date the schema accepted in another form) goes
 * to Date.parse.
 */
export function eventMillis(event: LogEvent): number {
  const millis = auth0DateMillis(event.date, rememberedMinute);
  return Number.isNaN(millis) ? Date.parse(event.date) : millis;
}
