import { z } from 'zod';

/**
 * What people do to incidents from Slack (Acknowledge, Resolve, Mute) as the
 * state store keeps it: who, when, until when. The types every back end
 * returns; the SQL lives in each back end.
 */

export const MuteScopeSchema = z.enum(['group', 'rule']);
export type MuteScope = z.infer<typeof MuteScopeSchema>;

/** Mute durations offered in Slack (never "forever"). */
export const MUTE_DURATIONS = { '1h': 3_600_000, '4h': 4 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 } as const;
export type MuteDuration = keyof typeof MUTE_DURATIONS;

/**
 * A mute ends by event time (the tenant's newest event read reaches `until`);
 * when no event comes to move that clock, it ends this long after its wall-clock
 * end instead, so a mute never outlives its duration by more than this.
 */
export const MUTE_WALL_GRACE_MS = 10 * 60_000;

export const MuteSchema = z.object({
  id: z.number().int(),
  tenant: z.string(),
  ruleId: z.string(),
  /** The group muted; null: the whole rule. */
  group: z.record(z.string(), z.string().nullable()).nullable(),
  /** The incident it was set on: its thread gets the audit replies and the end-of-mute summary. */
  incident: z.string(),
  channel: z.string(),
  threadTs: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  durationMs: z.number().int(),
  /** Event time the mute starts (the tenant's newest event when it was set). */
  startsAt: z.string(),
  /** Event time it ends: events dated before it are held. */
  until: z.string(),
  /** Wall-clock end; the mute ends at the latest MUTE_WALL_GRACE_MS after it. */
  wallUntil: z.string(),
  endedAt: z.string().nullable(),
  endedBy: z.string().nullable(),
  endReason: z.enum(['expired', 'unmuted', 'replaced']).nullable(),
  /** Events held back so far. */
  held: z.number().int(),
});
export type Mute = z.infer<typeof MuteSchema>;

/** An incident's state as its message shows it. */
export const IncidentControlsSchema = z.object({
  incident: z.string(),
  tenant: z.string(),
  ruleId: z.string(),
  ackedBy: z.string().nullable(),
  ackedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  /** Active mutes covering the incident (its group, or its whole rule). */
  mutes: z.array(MuteSchema),
});
export type IncidentControls = z.infer<typeof IncidentControlsSchema>;

export type IncidentActionRequest = {
  user: string;
  at: Date;
  /** Where the click came from (the note's fallback place when the incident has no thread). */
  channel: string;
  messageTs: string;
} & (
  | { action: 'acknowledge' | 'resolve'; incident: string }
  | { action: 'mute'; incident: string; scope: MuteScope; durationMs: number }
  /** A digest stands for many incidents of one rule: it is muted as a whole rule (its first outbox row names tenant and rule). */
  | { action: 'mute'; digestRowId: number; scope: 'rule'; durationMs: number }
);

export type IncidentActionResult =
  | { applied: true; controls: IncidentControls; mute?: Mute; noteId: number }
  | { applied: false; why: 'unknown_incident' | 'already_acknowledged' | 'already_resolved'; controls?: IncidentControls };

/** A thread reply the bot owes about an incident: an action's audit line or a mute's end. */
export const ThreadNoteKindSchema = z.enum(['acknowledge', 'resolve', 'mute', 'mute_extended', 'unmute', 'mute_ended']);
export type ThreadNoteKind = z.infer<typeof ThreadNoteKindSchema>;

export const ThreadNoteSchema = z.object({
  id: z.number().int(),
  tenant: z.string(),
  incident: z.string(),
  channel: z.string(),
  threadTs: z.string().nullable(),
  kind: ThreadNoteKindSchema,
  /** Who did it (a Slack user id), or null for the bot (a mute that expired). */
  user: z.string().nullable(),
  at: z.string(),
  mute: MuteSchema.nullable(),
  /** mute_ended: held events posted in their own thread replies, and new incidents released as alerts. */
  heldEvents: z.number().int(),
  releasedAlerts: z.number().int(),
  attempts: z.number().int(),
});
export type ThreadNote = z.infer<typeof ThreadNoteSchema>;

export type ThreadNoteOutcome = { ts: string | null } | { error: string; retryAtMs: number | null };

/** Canonical text of a group (key order does not matter): how mutes match alerts. */
export function groupKey(group: Record<string, string | null>): string {
  return JSON.stringify(Object.keys(group).sort().map((key) => [key, group[key] ?? null]));
}
