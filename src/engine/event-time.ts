import { auth0DateMillis, minuteMillis } from '../auth0/event-date.js';
import type { LogEvent } from '../auth0/log-event.js';

export { daysFromCivil } from '../auth0/event-date.js';

/**
 * The last minute read: its text up to the seconds (`2024-05-01T12:00:`) and
 * its epoch ms. A page's events are seconds apart, so most share the previous
 * event's minute and only their seconds and fraction are read. Starts as text
 * no date begins with.
 */
let minuteText = '\u0000';
let minuteMs = 0;

/** minuteMillis, remembering the last minute read. */
function rememberedMinute(date: string): number {
  if (date.startsWith(minuteText)) return minuteMs;
  const millis = minuteMillis(date);
  if (!Number.isNaN(millis)) {
    minuteText = date.slice(0, 17);
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
