import { eventSummary, type LogEvent } from '../auth0/log-event.js';
import { MAX_LOG_IDS, type Alert, type TopValue } from './alert.js';
import { apiChange } from './api-change.js';
import type { CompiledRule } from './compile.js';
import { eventUser, valueText } from './fields.js';
import type { IncidentState, WindowEntry } from './state.js';
import { entryEvents } from './window.js';
import type { TemplateAggregates } from './template.js';

const TOP_LIMIT = 5;

/** Short, stable hash of a group's values (FNV-1a 32-bit): keeps incident ids short whatever the values. */
export function groupHash(values: ReadonlyArray<string | null>): string {
  const text = JSON.stringify(values);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Most frequent values first, ties by value; absent values are not listed. `weight`: events per item (default 1). */
export function topValues<T>(items: readonly T[], value: (item: T) => string | null, weight: (item: T) => number = () => 1, limit = TOP_LIMIT): TopValue[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const text = value(item);
    if (text !== null) counts.set(text, (counts.get(text) ?? 0) + weight(item));
  }
  return topOfCounts(counts, limit);
}

export function topOfCounts(counts: ReadonlyMap<string, number>, limit = TOP_LIMIT): TopValue[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
}

/** The fields that differ between alerts; the rule supplies the rest. */
export type AlertParts = Omit<Alert, 'ruleId' | 'title' | 'ruleDescription' | 'severity' | 'channel' | 'mention' | 'runbook' | 'event'> & {
  event: LogEvent;
};

/**
 * Builds an alert as one literal plus optional fields assigned afterwards:
 * spreading a shared base object (`{...base, ...}`) was measured at ~15µs per
 * alert, which dominated small polling pages.
 */
export function makeAlert(rule: CompiledRule, aggregates: TemplateAggregates, parts: AlertParts): Alert {
  const alert: Alert = {
    kind: parts.kind,
    reason: parts.reason,
    ruleId: rule.id,
    title: rule.renderTitle(parts.event, aggregates),
    severity: rule.rule.severity,
    incident: parts.incident,
    group: parts.group,
    logIds: parts.logIds,
    count: parts.count,
    firstDate: parts.firstDate,
    lastDate: parts.lastDate,
    // Only what the message shows: the outbox stores the alert, never the raw event.
    event: eventSummary(parts.event),
    suppressed: parts.suppressed,
    incidentCount: parts.incidentCount,
  };
  // A Management API call: what it changed and who did it (the summary keeps no request details).
  if (parts.event.type === 'sapi') {
    const change = apiChange(parts.event);
    if (change) alert.change = change;
  }
  if (parts.threshold) alert.threshold = parts.threshold;
  if (parts.sequence) alert.sequence = parts.sequence;
  if (parts.travel) alert.travel = parts.travel;
  if (parts.newValue) alert.newValue = parts.newValue;
  if (parts.top) alert.top = parts.top;
  const { ruleDescription, channel, mention, runbook } = rule.meta;
  if (ruleDescription) alert.ruleDescription = ruleDescription;
  if (channel) alert.channel = channel;
  if (mention) alert.mention = mention;
  if (runbook) alert.runbook = runbook;
  return alert;
}

/** `${ruleId}:${short hash of the group}:${first log id}`: deterministic, short whatever the values. */
export function incidentId(rule: CompiledRule, group: Record<string, string | null>, firstLogId: string): string {
  return `${rule.id}:${groupHash(rule.groupBy.map((field) => group[field] ?? null))}:${firstLogId}`;
}

/**
 * The alert of one event: a rule without threshold, or a single-event
 * detection (impossible travel, new value) with what its kind adds.
 */
export function matchedAlert(
  rule: CompiledRule,
  event: LogEvent,
  t: number,
  incident: string,
  group: Record<string, string | null>,
  suppressed: number,
  extra: Pick<AlertParts, 'reason'> & Partial<Pick<AlertParts, 'travel' | 'newValue'>> = { reason: 'matched' },
): Alert {
  const date = new Date(t).toISOString();
  return makeAlert(rule, { count: 1 }, {
    kind: 'alert',
    incident,
    group,
    logIds: [event.log_id],
    count: 1,
    firstDate: date,
    lastDate: date,
    event,
    suppressed,
    incidentCount: 1,
    ...extra,
  });
}

/**
 * The log ids of the entries, each entry's folded ones (older than it) just
 * before its own: every event they stand for, but those folded past
 * MAX_FOLDED_LOG_IDS (window.ts).
 */
export function logIdsIn(entries: readonly WindowEntry[]): string[] {
  const ids: string[] = [];
  for (const entry of entries) {
    const folded = entry[7];
    if (folded) for (const id of folded) ids.push(id);
    ids.push(entry[1]);
  }
  return ids;
}

/** Events the entries stand for (folded entries count several). */
export function eventsIn(entries: readonly WindowEntry[]): number {
  let events = 0;
  for (const entry of entries) events += entryEvents(entry);
  return events;
}

/**
 * The alert of a threshold rule whose group reached the count: every event
 * from the start of the window that reached it on, in date order. A distinct
 * alert carries both numbers: distinct values and events.
 */
export function thresholdAlert(
  rule: CompiledRule,
  reached: {
    incident: string;
    group: Record<string, string | null>;
    /** The reported entries, in date order. */
    entries: readonly WindowEntry[];
    event: LogEvent;
    suppressed: number;
  },
): Alert {
  const { entries } = reached;
  const threshold = rule.rule.threshold!;
  const count = eventsIn(entries);
  const distinctCount = threshold.distinct ? new Set(entries.map((entry) => entry[2])).size : undefined;
  const aggregates = { count, ...(distinctCount !== undefined ? { distinct_count: distinctCount } : {}) };
  const top: NonNullable<Alert['top']> = {
    users: topValues(entries, (entry) => entry[3], entryEvents),
    ips: topValues(entries, (entry) => entry[4], entryEvents),
  };
  if (threshold.distinct) top.values = topValues(entries, (entry) => entry[2], entryEvents);
  // Entries stored before codes were kept (an upgrade mid-window) count under no code.
  const codes = topValues(entries, (entry) => entry[6] ?? null, entryEvents);
  if (codes.length > 0) top.codes = codes;
  return makeAlert(rule, aggregates, {
    kind: 'alert',
    reason: 'threshold_reached',
    incident: reached.incident,
    group: reached.group,
    // Every event reported, not the first MAX_LOG_IDS: the sender lists the others in the alert's thread.
    logIds: logIdsIn(entries),
    count,
    firstDate: new Date(entries[0]![0]).toISOString(),
    lastDate: new Date(entries[entries.length - 1]![0]).toISOString(),
    threshold: {
      count: threshold.count,
      window: threshold.window,
      groupBy: [...rule.groupBy],
      ...(threshold.distinct ? { distinct: threshold.distinct, distinctCount } : {}),
    },
    top,
    event: reached.event,
    suppressed: reached.suppressed,
    incidentCount: count,
  });
}

interface Batch {
  slot: number;
  rule: CompiledRule;
  incident: string;
  group: Record<string, string | null>;
  logIds: string[];
  count: number;
  users: Map<string, number>;
  withoutUser: number;
  ips: Map<string, number>;
  firstT: number;
  lastT: number;
  lastEvent: LogEvent;
  incidentCount: number;
}

/**
 * Collects an incident's repeats within one evaluate() call into a single
 * repeat alert, placed in the output where its first event occurred — or into
 * several, each full at MAX_LOG_IDS, when more repeats came (a poll commits up
 * to ~1,000 events at once): an alert lists every log id it stands for, so
 * none goes unreported.
 */
export class RepeatBatches {
  private readonly batches = new Map<string, Batch>();

  constructor(private readonly alerts: Alert[]) {}

  add(rule: CompiledRule, incident: IncidentState, group: Record<string, string | null>, event: LogEvent, t: number): void {
    let batch = this.batches.get(incident.id);
    if (batch && batch.logIds.length >= MAX_LOG_IDS) {
      this.#finishBatch(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = {
        slot: this.alerts.length,
        rule,
        incident: incident.id,
        group,
        logIds: [],
        count: 0,
        users: new Map(),
        withoutUser: 0,
        ips: new Map(),
        firstT: t,
        lastT: t,
        lastEvent: event,
        incidentCount: incident.count,
      };
      this.batches.set(incident.id, batch);
      this.alerts.push(undefined as unknown as Alert); // filled by finish()
    }
    batch.logIds.push(event.log_id);
    batch.count += 1;
    const user = eventUser(event);
    if (user !== null) batch.users.set(user, (batch.users.get(user) ?? 0) + 1);
    else batch.withoutUser += 1;
    const ip = valueText(event.ip, 120);
    if (ip !== null) batch.ips.set(ip, (batch.ips.get(ip) ?? 0) + 1);
    if (t < batch.firstT) batch.firstT = t;
    if (t >= batch.lastT) batch.lastT = t;
    batch.lastEvent = event;
    batch.incidentCount = incident.count;
  }

  finish(): void {
    for (const batch of this.batches.values()) this.#finishBatch(batch);
    this.batches.clear();
  }

  #finishBatch(batch: Batch): void {
    this.alerts[batch.slot] = makeAlert(batch.rule, { count: batch.count }, {
      kind: 'repeat',
      reason: 'repeat',
      incident: batch.incident,
      group: batch.group,
      logIds: batch.logIds,
      count: batch.count,
      firstDate: new Date(batch.firstT).toISOString(),
      lastDate: new Date(batch.lastT).toISOString(),
      top: { users: topOfCounts(batch.users), ips: topOfCounts(batch.ips), ...(batch.withoutUser > 0 ? { withoutUser: batch.withoutUser } : {}) },
      suppressed: 0,
      event: batch.lastEvent,
      incidentCount: batch.incidentCount,
    });
  }
}
