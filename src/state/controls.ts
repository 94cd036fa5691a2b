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

/** An `incident_controls` row as both back ends read it (absent until someone acts on the incident). */
export interface StoredIncidentControls {
  tenant: string;
  rule_id: string;
  acked_by: string | null;
  acked_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
}

/** What an incident is, as its outbox rows say: which tenant, rule and group. */
export interface IncidentOwner {
  tenant: string;
  ruleId: string;
  group: Record<string, string | null>;
}

/** An incident as both back ends find it: its owner, and where its thread is (the incidents table). */
export interface IncidentSubject extends IncidentOwner {
  incident: string;
  channel: string;
  threadTs: string | null;
  lastDate: string;
}

/**
 * The controls shown on an incident's message: its acknowledge / resolve row and the tenant's active
 * mutes that cover it (the whole rule, or its group). Both back ends fetch the rows; this decides.
 */
export function assembleIncidentControls(
  incident: string,
  row: StoredIncidentControls | undefined,
  owner: IncidentOwner | undefined,
  tenantMutes: readonly StoredMute[],
): IncidentControls | undefined {
  const tenant = row?.tenant ?? owner?.tenant;
  const ruleId = row?.rule_id ?? owner?.ruleId;
  if (tenant === undefined || ruleId === undefined) return undefined;
  const key = groupKey(owner?.group ?? {});
  return {
    incident,
    tenant,
    ruleId,
    ackedBy: row?.acked_by ?? null,
    ackedAt: row?.acked_at ?? null,
    resolvedBy: row?.resolved_by ?? null,
    resolvedAt: row?.resolved_at ?? null,
    mutes: tenantMutes.filter((mute) => mute.rule_id === ruleId && (mute.group_key === null || mute.group_key === key)).map(decodeMute),
  };
}

/** A `mutes` row as both back ends store it (ids and durations may come back as text from PostgreSQL). */
export interface StoredMute {
  id: string | number;
  tenant: string;
  rule_id: string;
  group_key: string | null;
  group_json: string | null;
  incident: string;
  channel: string;
  thread_ts: string | null;
  created_by: string;
  created_at: string;
  duration_ms: string | number;
  starts_at: string;
  until: string;
  wall_until: string;
  ended_at: string | null;
  ended_by: string | null;
  end_reason: Mute['endReason'];
  held: string | number;
}

export function decodeMute(row: StoredMute): Mute {
  return {
    id: Number(row.id),
    tenant: row.tenant,
    ruleId: row.rule_id,
    group: row.group_json ? (JSON.parse(row.group_json) as Mute['group']) : null,
    incident: row.incident,
    channel: row.channel,
    threadTs: row.thread_ts,
    createdBy: row.created_by,
    createdAt: row.created_at,
    durationMs: Number(row.duration_ms),
    startsAt: row.starts_at,
    until: row.until,
    wallUntil: row.wall_until,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
    endReason: row.end_reason,
    held: Number(row.held),
  };
}

/**
 * The active mute holding an alert, if any: same rule, its group (or the whole
 * rule), and the alert's first event dated before the mute's end. A group's
 * own mute wins over a whole-rule one, so an incident's rows stay with one mute.
 */
export function holdingMute<M extends Pick<StoredMute, 'id' | 'rule_id' | 'group_key' | 'until'>>(
  active: readonly M[],
  alert: { ruleId: string; group: Record<string, string | null>; firstDate: string },
): M | undefined {
  const key = groupKey(alert.group);
  const firstMs = Date.parse(alert.firstDate);
  return [...active]
    .sort((a, b) => Number(a.group_key === null) - Number(b.group_key === null) || Number(a.id) - Number(b.id))
    .find((mute) => mute.rule_id === alert.ruleId && (mute.group_key === null || mute.group_key === key) && firstMs < Date.parse(mute.until));
}

/** When the event clock (a page's checkpoint date) has reached the mute's end. */
export function mutePassed(mute: Pick<StoredMute, 'until'>, checkpointDate: string | null): boolean {
  return checkpointDate !== null && Date.parse(checkpointDate) >= Date.parse(mute.until);
}

/**
 * What ending a mute does to the rows it held: incidents opened during the
 * mute go out as they are (new alerts and their repeats); the others become
 * `muted` rows (one summary reply per thread). The note: whether the
 * incident the mute was set on held events itself.
 */
export function releasePlan(
  held: ReadonlyArray<{ id: string | number; kind: string; incident: string; alert: string }>,
  originIncident: string,
): { rows: Array<{ id: number; kind: string }>; heldEvents: number; released: number; originHeld: boolean } {
  const opened = new Set(held.filter((row) => row.kind === 'alert').map((row) => row.incident));
  let heldEvents = 0;
  let originHeld = false;
  const rows = held.map((row) => {
    if (opened.has(row.incident)) return { id: Number(row.id), kind: row.kind };
    heldEvents += (JSON.parse(row.alert) as { count: number }).count;
    if (row.incident === originIncident) originHeld = true;
    return { id: Number(row.id), kind: 'muted' };
  });
  return { rows, heldEvents, released: opened.size, originHeld };
}

/** The note a mute's end owes, if any (an unmute is always told; an expiry only when its own thread held nothing). */
export function muteEndNote(reason: NonNullable<Mute['endReason']>, originHeld: boolean): ThreadNoteKind | undefined {
  if (reason === 'unmuted') return 'unmute';
  return originHeld ? undefined : 'mute_ended';
}

/** A `thread_notes` row as both back ends store it. */
export interface StoredThreadNote {
  id: string | number;
  tenant: string;
  incident: string;
  channel: string;
  thread_ts: string | null;
  kind: ThreadNoteKind;
  user_id: string | null;
  at: string;
  mute_id: string | number | null;
  held_events: number;
  released: number;
  attempts: number;
}

export function decodeThreadNote(row: StoredThreadNote, mute: Mute | null): ThreadNote {
  return {
    id: Number(row.id),
    tenant: row.tenant,
    incident: row.incident,
    channel: row.channel,
    threadTs: row.thread_ts,
    kind: row.kind,
    user: row.user_id,
    at: row.at,
    mute,
    heldEvents: Number(row.held_events),
    releasedAlerts: Number(row.released),
    attempts: Number(row.attempts),
  };
}
