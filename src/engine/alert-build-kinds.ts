import type { LogEvent } from '../auth0/log-event.js';
import { type Alert, type SequenceStepReport, type TravelPoint } from './alert.js';
import { makeAlert, topValues } from './alert-build.js';
import type { CompiledRule } from './compile.js';
import type { StepEntry } from './state.js';

const iso = (t: number): string => new Date(t).toISOString();

/**
 * The alert of a completed sequence: every event of the span, and for each
 * step its count, first and last time and top users / IPs — for the last step
 * also who logged in, from where and into which application.
 */
export function sequenceAlert(
  rule: CompiledRule,
  done: {
    incident: string;
    group: Record<string, string | null>;
    /** The reported events in date order … */
    entries: readonly StepEntry[];
    /** … and the step each counted for (-1: none, e.g. an early success). */
    stepOf: readonly number[];
    event: LogEvent;
    suppressed: number;
  },
): Alert {
  const { entries, stepOf } = done;
  const sequence = rule.sequence!;
  const steps: SequenceStepReport[] = sequence.steps.map((step, index) => {
    const own = entries.filter((_, i) => stepOf[i] === index);
    const report: SequenceStepReport = {
      name: step.name,
      count: own.length,
      users: topValues(own, (entry) => entry[3]),
      ips: topValues(own, (entry) => entry[4]),
    };
    const field = rule.rule.sequence!.steps[index]!.distinct;
    if (field) report.distinct = { field, count: new Set(own.map((entry) => entry[7]).filter((value) => value !== undefined && value !== null)).size };
    const first = own[0];
    const last = own[own.length - 1];
    if (first && last) {
      report.firstDate = iso(first[0]);
      report.lastDate = iso(last[0]);
      if (index === sequence.steps.length - 1) {
        report.last = { date: iso(last[0]), user: last[3], ip: last[4], place: last[6], application: last[5] };
        if (last[8] !== undefined) report.last.userAgent = last[8];
      }
    }
    return report;
  });
  return makeAlert(rule, { count: entries.length }, {
    kind: 'alert',
    reason: 'sequence_completed',
    incident: done.incident,
    group: done.group,
    // Every event reported, not the first MAX_LOG_IDS: the sender lists the others in the alert's thread.
    logIds: entries.map((entry) => entry[1]),
    count: entries.length,
    firstDate: iso(entries[0]![0]),
    lastDate: iso(entries[entries.length - 1]![0]),
    sequence: { within: rule.rule.sequence!.within, steps },
    top: { users: topValues(entries, (entry) => entry[3]), ips: topValues(entries, (entry) => entry[4]) },
    event: done.event,
    suppressed: done.suppressed,
    incidentCount: entries.length,
  });
}

export type { TravelPoint };
