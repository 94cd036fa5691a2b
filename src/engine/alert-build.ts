import { eventSummary, type LogEvent } from '../auth0/log-event.js';
import { MAX_LOG_IDS, type Alert, type TopValue } from './alert.js';
import type { CompiledRule } from './compile.js';
import { eventUser, valueText } from './fields.js';
import type { IncidentState, WindowEntry } from './state.js';
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

/** Most frequent values first, ties by value; absent values are not listed. */
export function topValues(values: Iterable<string | null>, limit = TOP_LIMIT): TopValue[] {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return topOfCounts(counts, limit);
}

function topOfCounts(counts: ReadonlyMap<string, number>, limit = TOP_LIMIT): TopValue[] {
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
  if (parts.threshold) alert.threshold = parts.threshold;
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

/** The alert of a rule without threshold: one event. */
export function matchedAlert(
  rule: CompiledRule,
  event: LogEvent,
  t: number,
  incident: string,
  group: Record<string, string | null>,
  suppressed: number,
  incidentCount: number,
): Alert {
  const date = new Date(t).toISOString();
  return makeAlert(rule, { count: 1 }, {
    kind: 'alert',
    reason: 'matched',
    incident,
    group,
    logIds: [event.log_id],
    count: 1,
    firstDate: date,
    lastDate: date,
    event,
    suppressed,
    incidentCount,
  });
}

/** The alert of a threshold rule whose group reached the count: every event of the window. */
export function thresholdAlert(
  rule: CompiledRule,
  reached: {
    incident: string;
    group: Record<string, string | null>;
    /** The live window, oldest first; the last one is `event`. */
    entries: readonly WindowEntry[];
    distinctCount: number | undefined;
    event: LogEvent;
    t: number;
    suppressed: number;
  },
): Alert {
  const { entries, distinctCount } = reached;
  const threshold = rule.rule.threshold!;
  const aggregates = { count: entries.length, ...(distinctCount !== undefined ? { distinct_count: distinctCount } : {}) };
  return makeAlert(rule, aggregates, {
    kind: 'alert',
    reason: 'threshold_reached',
    incident: reached.incident,
    group: reached.group,
    logIds: entries.slice(0, MAX_LOG_IDS).map((entry) => entry[1]),
    count: entries.length,
    firstDate: new Date(entries[0]![0]).toISOString(),
    lastDate: new Date(reached.t).toISOString(),
    threshold: {
      count: threshold.count,
      window: threshold.window,
      groupBy: [...rule.groupBy],
      ...(threshold.distinct ? { distinct: threshold.distinct, distinctCount } : {}),
    },
    top: {
      users: topValues(entries.map((entry) => entry[3])),
      ips: topValues(entries.map((entry) => entry[4])),
    },
    event: reached.event,
    suppressed: reached.suppressed,
    incidentCount: entries.length,
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
  ips: Map<string, number>;
  firstT: number;
  lastT: number;
  lastEvent: LogEvent;
  incidentCount: number;
}

/**
 * Collects an incident's repeats within one evaluate() call into a single
 * repeat alert, placed in the output where its first event occurred.
 */
export class RepeatBatches {
  private readonly batches = new Map<string, Batch>();

  constructor(private readonly alerts: Alert[]) {}

  add(rule: CompiledRule, incident: IncidentState, group: Record<string, string | null>, event: LogEvent, t: number): void {
    let batch = this.batches.get(incident.id);
    if (!batch) {
      batch = {
        slot: this.alerts.length,
        rule,
        incident: incident.id,
        group,
        logIds: [],
        count: 0,
        users: new Map(),
        ips: new Map(),
        firstT: t,
        lastT: t,
        lastEvent: event,
        incidentCount: incident.count,
      };
      this.batches.set(incident.id, batch);
      this.alerts.push(undefined as unknown as Alert); // filled by finish()
    }
    if (batch.logIds.length < MAX_LOG_IDS) batch.logIds.push(event.log_id);
    batch.count += 1;
    const user = eventUser(event);
    if (user !== null) batch.users.set(user, (batch.users.get(user) ?? 0) + 1);
    const ip = valueText(event.ip, 120);
    if (ip !== null) batch.ips.set(ip, (batch.ips.get(ip) ?? 0) + 1);
    if (t < batch.firstT) batch.firstT = t;
    if (t >= batch.lastT) batch.lastT = t;
    batch.lastEvent = event;
    batch.incidentCount = incident.count;
  }

  finish(): void {
    for (const batch of this.batches.values()) {
      this.alerts[batch.slot] = makeAlert(batch.rule, { count: batch.count }, {
        kind: 'repeat',
        reason: 'repeat',
        incident: batch.incident,
        group: batch.group,
        logIds: batch.logIds,
        count: batch.count,
        firstDate: new Date(batch.firstT).toISOString(),
        lastDate: new Date(batch.lastT).toISOString(),
        top: { users: topOfCounts(batch.users), ips: topOfCounts(batch.ips) },
        suppressed: 0,
        event: batch.lastEvent,
        incidentCount: batch.incidentCount,
      });
    }
    this.batches.clear();
  }
}
