import { z } from 'zod';
import { EventSummarySchema } from '../auth0/log-event.js';
import { SeveritySchema } from '../catalog/types.js';

export { SeveritySchema, type Severity } from '../catalog/types.js';

/**
 * Why the engine emitted an alert (named reasons, not booleans; they go into
 * logs and the message).
 * - `matched`: a rule without threshold matched an event and opened an incident;
 * - `threshold_reached`: a group reached the threshold count within the window;
 * - `repeat`: further matches while the group's incident was still open.
 */
export const AlertReasonSchema = z.enum(['matched', 'threshold_reached', 'repeat']);
export type AlertReason = z.infer<typeof AlertReasonSchema>;

export const TopValueSchema = z.object({ value: z.string(), count: z.number().int() });
export type TopValue = z.infer<typeof TopValueSchema>;

/** At most this many log ids are listed on one alert (Slack metadata contract). */
export const MAX_LOG_IDS = 100;

/**
 * What the engine decides, before any formatting. Stored as JSON in the outbox,
 * so everything the formatter needs is here (the formatter adds catalog data).
 * `kind: "digest"` never comes from the engine: the sender collapses pending
 * alerts into digests.
 */
export const AlertSchema = z.object({
  kind: z.enum(['alert', 'repeat']),
  reason: AlertReasonSchema,
  ruleId: z.string(),
  /** The rule's title template rendered over the event and aggregate values. */
  title: z.string(),
  /** The rule's description (what it detects). */
  ruleDescription: z.string().optional(),
  severity: SeveritySchema,
  /** Stable id of the incident (rule + group + first log id); ties repeats to their alert. */
  incident: z.string(),
  /** The group_by values (or throttle key values); `{}` for a rule-wide incident. */
  group: z.record(z.string(), z.string().nullable()),
  /** Log ids this alert reports for the first time, in log_id order, at most MAX_LOG_IDS. */
  logIds: z.array(z.string()).max(MAX_LOG_IDS),
  /** How many events this alert stands for (may exceed logIds.length). */
  count: z.number().int().positive(),
  /** Event-time span covered, ISO-8601. */
  firstDate: z.string(),
  lastDate: z.string(),
  /** The most recent event reported, as much of it as the message shows (`eventSummary`). */
  event: EventSummarySchema,
  /** Present on threshold alerts. */
  threshold: z
    .object({
      count: z.number().int().positive(),
      window: z.string(),
      groupBy: z.array(z.string()),
      distinct: z.string().optional(),
      /** Distinct values counted in the window when `distinct` is set. */
      distinctCount: z.number().int().optional(),
    })
    .optional(),
  /** Most frequent users / IPs among the events reported (threshold alerts and repeats). */
  top: z
    .object({
      users: z.array(TopValueSchema),
      ips: z.array(TopValueSchema),
    })
    .optional(),
  /** Matches counted but not posted in this group's previous incident, if any. */
  suppressed: z.number().int().nonnegative().default(0),
  /** Running total of events in the incident so far, this alert included. */
  incidentCount: z.number().int().positive(),
  /** The rule's channel; undefined means the tenant's default / ALERT_CHANNEL. */
  channel: z.string().optional(),
  mention: z.string().optional(),
  runbook: z.string().optional(),
});
export type Alert = z.infer<typeof AlertSchema>;
