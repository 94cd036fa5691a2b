import type { Severity } from './alert.js';
import type { Rule } from './rule-schema.js';

/** A rule in a few words, for `/logcode rules` and listings. */
export interface RuleSummary {
  id: string;
  title: string;
  description?: string;
  severity: Severity;
  enabled: boolean;
  codes: string[];
  /** "every matching event", "≥ 20 events within 5m per ip", "≥ 10 distinct user_name within 10m per ip". */
  trigger: string;
  /** "quiet 1h per user_id, ip after an alert", or undefined when every event alerts. */
  throttle?: string;
  channel?: string;
  runbook?: string;
}

export function describeRule(rule: Rule): RuleSummary {
  const { threshold, throttle } = rule;
  const per = (fields: readonly string[] | undefined): string => (fields && fields.length > 0 ? ` per ${fields.join(', ')}` : '');
  const trigger = threshold
    ? `≥ ${threshold.count} ${threshold.distinct ? `distinct ${threshold.distinct}` : 'events'} within ${threshold.window}${per(threshold.group_by)}`
    : 'every matching event';
  const period = typeof throttle === 'string' ? throttle : (throttle?.period ?? threshold?.window);
  const by = threshold ? threshold.group_by : typeof throttle === 'object' ? throttle.by : undefined;
  return {
    id: rule.id,
    title: rule.title ?? rule.id,
    ...(rule.description ? { description: rule.description.trim() } : {}),
    severity: rule.severity,
    enabled: rule.enabled !== false,
    codes: [...rule.match.codes],
    trigger,
    ...(period ? { throttle: `quiet ${period}${per(by)} after an alert (matches become thread replies)` } : {}),
    ...(rule.channel ? { channel: rule.channel } : {}),
    ...(rule.runbook ? { runbook: rule.runbook } : {}),
  };
}
