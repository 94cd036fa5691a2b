import type { LogEvent } from '../../auth0/log-event.js';
import type { CompiledRule } from '../compile.js';
import { eventUser, valueText } from '../fields.js';
import type { StepEntry } from '../state.js';

/**
 * The entry an event leaves in its key's sequence, made at its final size (a
 * login is in most sequences' last step: growing its array by push cost a
 * second allocation per login). The login that completes a sequence is shown
 * with its application, place and device; failures are not (a user agent on
 * every held failure would about double the sequence state rewritten on each
 * commit).
 */
export function stepEntry(rule: CompiledRule, event: LogEvent, t: number, mask: number, last: boolean): StepEntry {
  let distinct: string | null | undefined;
  const steps = rule.sequence!.steps;
  for (let s = 0; s < steps.length; s++) {
    const read = steps[s]!.distinct;
    if (read && (mask & (1 << s)) !== 0) {
      distinct = valueText(read(event));
      break;
    }
  }
  const user = eventUser(event);
  const ip = valueText(event.ip, 120);
  if (!last) return distinct === undefined ? [t, event.log_id, mask, user, ip, null, null] : [t, event.log_id, mask, user, ip, null, null, distinct];
  const location = event.location_info;
  const place = placeOf(location?.city_name, location?.country_name ?? location?.country_code);
  const application = valueText(event.client_name, 120) ?? valueText(event.client_id, 120);
  return [t, event.log_id, mask, user, ip, application, place, distinct ?? null, valueText(event.user_agent, 200)];
}

/** How many cities `placeOf` remembers before it starts again (a bound: event values are untrusted). */
export const PLACES_KEPT = 1_024;

/** The place last made per city, with the country it was made with. */
const places = new Map<string, { country: string; place: string | null }>();

/**
 * "City, Country" from whichever parts are there, cut to 120 characters. A
 * city's place is remembered: most logins come from a few places, and
 * building the string per login was about a third of its entry's
 * allocation (and one copy per held login in the state).
 */
export function placeOf(city: unknown, country: unknown): string | null {
  if (typeof city === 'string' && typeof country === 'string' && city !== '' && country !== '') {
    const known = places.get(city);
    if (known !== undefined && known.country === country) return known.place;
    const place = valueText(`${city}, ${country}`, 120);
    if (places.size >= PLACES_KEPT) places.clear();
    places.set(city, { country, place });
    return place;
  }
  // Odd types (values are untrusted) or one part only: rare, made each time.
  const hasCity = !!city;
  const hasCountry = !!country;
  if (hasCity && hasCountry) return valueText(`${String(city)}, ${String(country)}`, 120);
  if (hasCity) return valueText(String(city), 120);
  return hasCountry ? valueText(String(country), 120) : null;
}
