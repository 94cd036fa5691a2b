/** Mean Earth radius (km), as IUGG gives it: great-circle distances are within ~0.5 % of the ellipsoid's. */
const EARTH_RADIUS_KM = 6_371.0088;
const RADIANS = Math.PI / 180;

/** Great-circle distance between two points (haversine), km. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RADIANS;
  const dLon = (lon2 - lon1) * RADIANS;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function coordinate(value: unknown, limit: number): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(number) && Math.abs(number) <= limit ? number : undefined;
}

/**
 * An event's `location_info.latitude/longitude` (numbers, or numeric strings
 * as some log streams send them); undefined when absent, out of range, or
 * 0,0 (a placeholder for "unknown", in the Atlantic).
 */
export function eventCoordinates(event: { location_info?: unknown }): { latitude: number; longitude: number } | undefined {
  const location = event.location_info as { latitude?: unknown; longitude?: unknown } | null | undefined;
  if (!location || typeof location !== 'object') return undefined;
  const latitude = coordinate(location.latitude, 90);
  const longitude = coordinate(location.longitude, 180);
  if (latitude === undefined || longitude === undefined || (latitude === 0 && longitude === 0)) return undefined;
  return { latitude, longitude };
}

/** "Sydney, Australia" from an event's location, or null. */
export function placeOf(event: { location_info?: { city_name?: string | null; country_name?: string | null; country_code?: string | null } | null }): string | null {
  const location = event.location_info;
  const place = [location?.city_name, location?.country_name ?? location?.country_code].filter((part) => typeof part === 'string' && part !== '').join(', ');
  return place === '' ? null : place.slice(0, 120);
}
