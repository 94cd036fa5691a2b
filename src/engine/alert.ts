import { z } from 'zod';
import { ApiChangeSchema } from './api-change.js';
import { EventSummarySchema } from '../auth0/log-event.js';
import { SeveritySchema } from '../catalog/types.js';

export { SeveritySchema, type Severity } from '../catalog/types.js';

/**
 * Why the engine emitted an alert (named reasons, not booleans; they go into
 * logs and the message).
 * - `matched`: a rule without threshold matched an event and opened an incident;
 * - `threshold_reached`: a group reached the threshold count within the window;
 * - `sequence_completed`: a key's events went through every step of a sequence in time;
 * - `impossible_travel`: two logins of a key too far apart for the time between them;
 * - `new_value`: a value never seen before for the key, after its learning period;
 * - `repeat`: further matches while the group's incident was still open.
 */
export const AlertReasonSchema = z.enum(['matched', 'threshold_reached', 'sequence_completed', 'impossible_travel', 'new_value', 'repeat']);
export type AlertReason = z.infer<typeof AlertReasonSchema>;

export const TopValueSchema = z.object({ value: z.string(), count: z.number().int() });
export type TopValue = z.infer<typeof TopValueSchema>;

/** One step of a completed sequence, as the message shows it. */
export const SequenceStepReportSchema = z.object({
  name: z.string(),
  /** Events of this step in the reported span. */
  count: z.number().int().nonnegative(),
  /** A step counting distinct values: the field, and how many different values its events had. */
  distinct: z.object({ field: z.string(), count: z.number().int().nonnegative() }).optional(),
  firstDate: z.string().optional(),
  lastDate: z.string().optional(),
  users: z.array(TopValueSchema),
  ips: z.array(TopValueSchema),
  /** The step's last event (for the final step: the login that completed the sequence). */
  last: z
    .object({
      date: z.string(),
      user: z.string().nullable(),
      ip: z.string().nullable(),
      place: z.string().nullable(),
      application: z.string().nullable(),
      /** Its user agent (null: the event had none; absent: held from before user agents were kept). */
      userAgent: z.string().nullable().optional(),
    })
    .optional(),
});
export type SequenceStepReport = z.infer<typeof SequenceStepReportSchema>;

/** One end of an impossible journey. */
export const TravelPointSchema = z.object({
  date: z.string(),
  ip: z.string().nullable(),
  place: z.string().nullable(),
  latitude: z.number(),
  longitude: z.number(),
  /**
   * The login's user agent (security engineers compare devices: Chrome on macOS, then python-requests).
   * null: the login had none; absent: the earlier login came from a profile stored before user agents were kept.
   */
  userAgent: z.string().nullable().optional(),
});
export type TravelPoint = z.infer<typeof TravelPointSchema>;

/** At most this many log ids are listed in one Slack message's metadata (CONTRACT.md). */
export const MAX_LOG_IDS = 100;

/**
 * At most this many log ids on one alert: every event a threshold window
 * (MAX_WINDOW_ENTRIES, 1,000, plus the event that reached it, plus for a
 * distinct window the log ids of the retries it folded, at most
 * MAX_FOLDED_LOG_IDS: window.ts) or a sequence (MAX_SEQUENCE_ENTRIES, 200)
 * reports. A distinct window that folded more retries than that counts them
 * without their log ids (the only alert whose count exceeds its log ids). An alert listing more than MAX_LOG_IDS
 * goes out as its message plus replies in its thread (the sender splits it:
 * src/slack/format-overflow.ts), so every log id is reported once.
 */
export const MAX_ALERT_LOG_IDS = 2_000;

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
  /**
   * Log ids this alert reports for the first time, in event-time order (a distinct window's folded
   * retries just before the later retry of the same value they were folded into). A repeat lists at
   * most MAX_LOG_IDS; an alert lists every event it reports (threshold, sequence), and one
   * listing more than MAX_LOG_IDS is posted with its other log ids in thread replies.
   */
  logIds: z.array(z.string()).max(MAX_ALERT_LOG_IDS),
  /** How many events this alert stands for (exceeds logIds.length only for a distinct window folded past its bound). */
  count: z.number().int().positive(),
  /** Event-time span covered, ISO-8601. */
  firstDate: z.string(),
  lastDate: z.string(),
  /** The most recent event reported, as much of it as the message shows (`eventSummary`). */
  event: EventSummarySchema,
  /** `sapi` events: the Management API call's method, path, changed settings and caller. */
  change: ApiChangeSchema.optional(),
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
  /** Present on sequence alerts: every step, in order. */
  sequence: z.object({ within: z.string(), steps: z.array(SequenceStepReportSchema) }).optional(),
  /** Present on impossible-travel alerts: the earlier and the later login. */
  travel: z
    .object({
      from: TravelPointSchema,
      to: TravelPointSchema,
      distanceKm: z.number().nonnegative(),
      /** null when both logins have the same time. */
      speedKmh: z.number().nonnegative().nullable(),
      minDistanceKm: z.number(),
      minSpeedKmh: z.number(),
    })
    .optional(),
  /** Present on first-seen-value alerts. */
  newValue: z
    .object({
      field: z.string(),
      value: z.string(),
      /** The key's values seen before, most recent first (at most 10). */
      known: z.array(z.string()),
      /** How many values the key had (known may list fewer). */
      knownCount: z.number().int().nonnegative(),
      /** When the key was first seen (its learning started), ISO-8601. */
      since: z.string(),
    })
    .optional(),
  /** Most frequent users / IPs among the events reported (threshold alerts and repeats). */
  top: z
    .object({
      users: z.array(TopValueSchema),
      ips: z.array(TopValueSchema),
      /** Distinct threshold alerts: the most frequent values of the distinct field. */
      values: z.array(TopValueSchema).optional(),
      /** Threshold alerts: the codes counted (`fp` ×14, `fu` ×6), not only the latest event's. */
      codes: z.array(TopValueSchema).optional(),
      /** Events among these that carry neither user name nor user id (not in `users`). */
      withoutUser: z.number().int().nonnegative().optional(),
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
