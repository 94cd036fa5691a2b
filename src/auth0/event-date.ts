/**
 * Auth0's own date form, `2024-05-01T12:00:00.123Z` (also without or with
 * fewer fraction digits), read by hand: Date.parse cost about a sixth of
 * evaluating an event through the default rules and a tenth of normalising
 * one. Only dates whose fields are in range are read here, so a date read
 * here is one Date.parse reads the same; anything else (an offset, another
 * form) is left to Date.parse by the callers.
 */

const ZERO = 48;
const DAY_MS = 86_400_000;

/** The two-digit number at `at`, or -1 when either character is not a digit. */
function twoDigits(text: string, at: number): number {
  const high = text.charCodeAt(at) - ZERO;
  const low = text.charCodeAt(at + 1) - ZERO;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

/** The milliseconds of a date of `length` 20 to 24 ending in Z: none, or `.` and 1 to 3 digits; -1 otherwise. */
function fractionMillis(date: string, length: number): number {
  if (length === 20) return 0;
  if (length === 21 || date.charCodeAt(19) !== 46) return -1; // .
  let value = 0;
  for (let i = 20; i < length - 1; i++) {
    const digit = date.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return length === 24 ? value : length === 23 ? value * 10 : value * 100;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar, as
 * Date.UTC counts them: a day past its month's end rolls over (as Date.UTC
 * and Date.parse do). Arithmetic only (Date.UTC is a call into the runtime).
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yearOfEra = marchYear - era * 400;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The epoch ms of a date's `YYYY-MM-DDTHH:MM:` prefix; NaN when it is not that form or out of range. */
export function minuteMillis(date: string): number {
  if (date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45 || date.charCodeAt(10) !== 84 || date.charCodeAt(13) !== 58 || date.charCodeAt(16) !== 58) return NaN;
  const century = twoDigits(date, 0);
  const yearInCentury = twoDigits(date, 2);
  const year = century < 0 || yearInCentury < 0 ? -1 : century * 100 + yearInCentury;
  const month = twoDigits(date, 5);
  const day = twoDigits(date, 8);
  const hour = twoDigits(date, 11);
  const minute = twoDigits(date, 14);
  // In range as Date.parse wants it (Date.UTC would roll over); years below 100 mean 19xx to Date.UTC.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  return daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000;
}

/**
 * The epoch ms of a date in Auth0's form; NaN for any other text (which
 * Date.parse may still read). `minuteOf` reads the minute: the engine passes
 * one that remembers the previous event's (see engine/event-time.ts).
 */
export function auth0DateMillis(date: string, minuteOf: (date: string) => number = minuteMillis): number {
  const length = date.length;
  if (length < 20 || length > 24 || date.charCodeAt(length - 1) !== 90 /* Z */) return NaN;
  const second = twoDigits(date, 17);
  const fraction = fractionMillis(date, length);
  if (second < 0 || second > 59 || fraction < 0) return NaN;
  return minuteOf(date) + second * 1000 + fraction; // NaN when the minute is; before 1970 it is negative
}
