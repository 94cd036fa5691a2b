import type { Severity } from './alert.js';
import { ruleCodes, type Rule } from './rule-schema.js';

/** A rule in a few words, for `/logcode rules` and listings. */
export interface RuleSummary {
  id: string;
  title: string;
  description?: string;
  severity: Severity;
  enabled: boolean;
  codes: string[];
  /**
   * "every matching event", "≥ 20 events within 5m per ip", "≥ 10 distinct user_name within 10m per ip",
   * "sequence within 10m per user_id: ≥ 5 × f, fp → s", "impossible travel (> 500 km at > 1000 km/h) per user_id",
   * "new location_info.country_code per user_id (after learning 14d)".
   */
  trigger: string;
  /** "quiet 1h per user_id, ip after an alert", or undefined when every event alerts. */
  throttle?: string;
  channel?: string;
  runbook?: string;
}

const per = (fields: readonly string[] | undefined): string => (fields && fields.length > 0 ? ` per ${fields.join(', ')}` : '');

function triggerOf(rule: Rule): string {
  const { threshold, sequence, impossible_travel: travel, new_value: newValue } = rule;
  if (threshold) {
    return `≥ ${threshold.count} ${threshold.distinct ? `distinct ${threshold.distinct}` : 'events'} within ${threshold.window}${per(threshold.group_by)}`;
  }
  if (sequence) {
    const steps = sequence.steps.map((step) => {
      const count = step.distinct ? `≥ ${step.count ?? 1} distinct ${step.distinct} × ` : (step.count ?? 1) > 1 ? `≥ ${step.count} × ` : '';
      return `${count}${step.name ?? step.codes.join(', ')}`;
    });
    return `sequence within ${sequence.within}${per(sequence.by)}: ${steps.join(' → ')}`;
  }
  if (travel) return `impossible travel (> ${travel.min_distance_km} km at > ${travel.min_speed_kmh} km/h)${per(travel.by)}`;
  if (newValue) return `new ${newValue.field}${per(newValue.by)}${newValue.learn ? ` (after learning ${newValue.learn})` : ''}`;
  return 'every matching event';
}

export function describeRule(rule: Rule): RuleSummary {
  const { threshold, throttle } = rule;
  const trigger = triggerOf(rule);
  const keyed = rule.sequence ?? rule.impossible_travel ?? rule.new_value;
  const period = typeof throttle === 'string' ? throttle : (throttle?.period ?? threshold?.window ?? rule.sequence?.within);
  const by = threshold ? threshold.group_by : keyed ? keyed.by : typeof throttle === 'object' ? throttle.by : undefined;
  return {
    id: rule.id,
    title: rule.title ?? rule.id,
    ...(rule.description ? { description: rule.description.trim() } : {}),
    severity: rule.severity,
    enabled: rule.enabled !== false,
    codes: ruleCodes(rule),
    trigger,
    ...(period ? { throttle: `quiet ${period}${per(by)} after an alert (matches become thread replies)` } : {}),
    ...(rule.channel ? { channel: rule.channel } : {}),
    ...(rule.runbook ? { runbook: rule.runbook } : {}),
  };
}
