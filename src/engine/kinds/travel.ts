import type { LogEvent } from '../../auth0/log-event.js';
import type { TravelPoint } from '../alert.js';
import type { CompiledRule } from '../compile.js';
import { valueText } from '../fields.js';
import { MAX_PROFILE_AGENT_LENGTH, MAX_TRAVEL_POINTS, profileKey, profileKeyValues, type TravelPointEntry, type TravelProfile } from '../profiles.js';
import { REORDER_TOLERANCE_MS, type EvalContext } from './context.js';
import { distanceKm, eventCoordinates, placeOf } from './geo.js';
import { reportDetection } from './detection.js';

const HOUR_MS = 3_600_000;

function travelPoint(point: TravelPointEntry): TravelPoint {
  const travel: TravelPoint = { date: new Date(point[0]).toISOString(), latitude: point[1], longitude: point[2], ip: point[3], place: point[4] };
  // A point from a profile stored before user agents were kept has none to report (not the same as none sent).
  if (point[5] !== undefined) travel.userAgent = point[5];
  return travel;
}

/**
 * Impossible travel: a login whose great-circle distance from the key's
 * previous (or, arriving late, next) login, over the time between them,
 * implies more than `min_speed_kmh` across more than `min_distance_km`.
 * Events without coordinates are ignored. The key's recent logins live in its
 * profile: the newest, plus those within the reorder tolerance before it, so a
 * late login is compared with its neighbours in time.
 */
export function evaluateTravel(ctx: EvalContext, rule: CompiledRule, event: LogEvent, t: number): void {
  if (!rule.matches(event)) return;
  const at = eventCoordinates(event);
  if (!at) return;
  const values = profileKeyValues(rule, event);
  if (!values) return;
  const key = profileKey(rule.id, values);
  const profile = ctx.profiles.get(key, t) as TravelProfile | undefined;
  const points = profile?.kind === 'travel' ? profile.points : [];
  const here: TravelPointEntry = [t, at.latitude, at.longitude, valueText(event.ip, 120), placeOf(event), valueText(event.user_agent, MAX_PROFILE_AGENT_LENGTH)];
  // The same login again (an overlapping batch): same time, place and address.
  if (points.some((point) => point[0] === t && point[1] === here[1] && point[2] === here[2] && point[3] === here[3])) return;

  let index = points.length;
  while (index > 0 && points[index - 1]![0] > t) index -= 1;
  const neighbours = [points[index - 1], points[index]].filter((point): point is TravelPointEntry => !!point);
  const { minDistanceKm, minSpeedKmh } = rule.travel!;
  for (const other of neighbours) {
    const [from, to] = other[0] <= t ? [other, here] : [here, other];
    const km = distanceKm(from[1], from[2], to[1], to[2]);
    const hours = (to[0] - from[0]) / HOUR_MS;
    const speed = hours > 0 ? km / hours : null;
    if (km > minDistanceKm && (speed === null || speed > minSpeedKmh)) {
      reportDetection(ctx, rule, values, event, t, {
        reason: 'impossible_travel',
        travel: {
          from: travelPoint(from),
          to: travelPoint(to),
          distanceKm: Math.round(km),
          speedKmh: speed === null ? null : Math.round(speed),
          minDistanceKm,
          minSpeedKmh,
        },
      });
      break;
    }
  }

  const next = [...points.slice(0, index), here, ...points.slice(index)];
  const newest = next[next.length - 1]![0];
  const kept = next.filter((point) => point[0] >= newest - REORDER_TOLERANCE_MS).slice(-MAX_TRAVEL_POINTS);
  ctx.profiles.set(key, { kind: 'travel', seen: Math.max(profile?.seen ?? 0, t), points: kept });
}
