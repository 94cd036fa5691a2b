import { MAX_LOG_IDS, type Alert, type Severity, type TopValue } from '../engine/alert.js';
import { compareLogIds } from '../auth0/log-event.js';

/** Combining several alerts into what one message reports (repeat batches, digests). */

const SEVERITY_ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface Aggregate {
  count: number;
  /** First MAX_LOG_IDS log ids in log_id order. */
  logIds: string[];
  firstDate: string;
  lastDate: string;
  severity: Severity;
  users: TopValue[];
  /** Events with neither user name nor user id (never among `users`). */
  withoutUser: number;
  ips: TopValue[];
  /** Incident groups by events, biggest first. */
  groups: { group: Record<string, string | null>; count: number }[];
  incidents: number;
  /** Running total the engine reports for the latest alert (repeats). */
  incidentCount: number;
}

export function aggregate(alerts: readonly Alert[]): Aggregate {
  if (alerts.length === 0) throw new Error('aggregate needs at least one alert');
  const users = new Map<string, number>();
  const ips = new Map<string, number>();
  const groups = new Map<string, { group: Record<string, string | null>; count: number }>();
  const incidents = new Set<string>();
  const logIds = new Set<string>();
  let count = 0;
  let severity: Severity = 'info';
  let firstDate = alerts[0]!.firstDate;
  let lastDate = alerts[0]!.lastDate;
  let incidentCount = 0;
  let withoutUser = 0;
  for (const alert of alerts) {
    withoutUser += alert.top ? (alert.top.withoutUser ?? 0) : alert.event.user_name || alert.event.user_id ? 0 : alert.count;
    count += alert.count;
    for (const id of alert.logIds) logIds.add(id);
    if (SEVERITY_ORDER.indexOf(alert.severity) > SEVERITY_ORDER.indexOf(severity)) severity = alert.severity;
    if (Date.parse(alert.firstDate) < Date.parse(firstDate)) firstDate = alert.firstDate;
    if (Date.parse(alert.lastDate) > Date.parse(lastDate)) lastDate = alert.lastDate;
    incidentCount = Math.max(incidentCount, alert.incidentCount);
    incidents.add(alert.incident);
    addTop(users, alert.top?.users, alert.event.user_name ?? alert.event.user_id, alert.count);
    addTop(ips, alert.top?.ips, alert.event.ip, alert.count);
    const key = JSON.stringify(alert.group);
    const entry = groups.get(key) ?? { group: alert.group, count: 0 };
    entry.count += alert.count;
    groups.set(key, entry);
  }
  return {
    count,
    logIds: [...logIds].sort(compareLogIds).slice(0, MAX_LOG_IDS),
    firstDate,
    lastDate,
    severity,
    users: ranked(users),
    withoutUser,
    ips: ranked(ips),
    groups: [...groups.values()].sort((a, b) => b.count - a.count),
    incidents: incidents.size,
    incidentCount,
  };
}

/** Uses the alert's own top list when it has one, else counts its event's value for all its events. */
function addTop(into: Map<string, number>, top: readonly TopValue[] | undefined, fallback: string | null | undefined, count: number): void {
  if (top && top.length > 0) {
    for (const { value, count: n } of top) into.set(value, (into.get(value) ?? 0) + n);
  } else if (fallback) {
    into.set(fallback, (into.get(fallback) ?? 0) + count);
  }
}

function ranked(values: Map<string, number>): TopValue[] {
  return [...values.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}
