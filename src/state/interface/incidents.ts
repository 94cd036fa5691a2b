import { z } from 'zod';
import type { Alert } from '../../engine/alert.js';
import type { OutboxStatus } from './outbox.js';
import type { IncidentActionRequest, IncidentActionResult, IncidentControls, Mute, ThreadNote, ThreadNoteOutcome } from '../controls.js';

/**
 * Where an incident's thread lives and what people did to it from Slack:
 * part of StateStore (src/state/store.ts).
 */
export interface IncidentStore {
  // ── Incidents: where an incident's thread lives ────────────────────────
  getIncident(incident: string): Promise<IncidentRecord | undefined>;
  /** Incidents that already have a channel message (a thread to reply under), among these. */
  threadedIncidents(incidents: readonly string[]): Promise<Set<string>>;
  /** Forgets the incident's thread (its parent was deleted, or its channel is dead): the next channel message becomes the parent. */
  clearIncidentThread(incident: string): Promise<void>;
  /** Status of the newest row that opens the incident (its channel message), if any. */
  incidentAlertStatus(incident: string): Promise<OutboxStatus | undefined>;
  /** The delivered alert that opened the incident and its ts (to re-render the parent). */
  incidentAlert(incident: string): Promise<IncidentParent | undefined>;

  // ── Acknowledge / Resolve / Mute (src/state/controls.ts) ──────────────
  /** One click: the state change and the audit thread reply it owes, in one transaction. */
  recordIncidentAction(request: IncidentActionRequest): Promise<IncidentActionResult>;
  /** Who acknowledged / resolved the incident, and the mutes covering it; undefined for an unknown incident. */
  incidentControls(incident: string): Promise<IncidentControls | undefined>;
  /** Resolved incidents of the tenant the engine has not closed yet; a page commit marks them (PageCommit.resolutionsApplied). */
  pendingResolutions(tenant: string): Promise<string[]>;
  /** Active mutes (all, ended too, with `{ active: false }`), oldest first. */
  listMutes(options?: { active?: boolean }): Promise<Mute[]>;
  /**
   * Ends a mute now (`/logcode unmute`) and releases what it held; undefined
   * when it had already ended. Mutes also end by event time inside commitPage,
   * and by wall time in endOverdueMutes.
   */
  endMute(id: number, by: string, now: Date): Promise<Mute | undefined>;
  /** Ends the mutes whose wall-clock end is MUTE_WALL_GRACE_MS past. */
  endOverdueMutes(now: Date): Promise<Mute[]>;
  /** Thread replies still owed (audit lines, mute ends) that nobody holds a claim on. */
  dueThreadNotes(now: Date, limit: number): Promise<ThreadNote[]>;
  /** Takes a note for `owner` until `until` (false: another process has it, or it was posted). */
  claimThreadNote(id: number, owner: string, now: Date, until: Date): Promise<boolean>;
  recordThreadNote(id: number, outcome: ThreadNoteOutcome): Promise<void>;
}

/** Where an incident's channel message lives, and how many events it has reported. */
export const IncidentRecordSchema = z.object({
  incident: z.string(),
  tenant: z.string(),
  ruleId: z.string(),
  channel: z.string(),
  /** The incident's channel message (thread parent); kept once set. */
  messageTs: z.string().nullable(),
  /** Events reported so far. */
  count: z.number().int(),
});
export type IncidentRecord = z.infer<typeof IncidentRecordSchema>;

export interface IncidentParent {
  alert: Alert;
  messageTs: string | null;
  /** The ts is shared with other incidents: the parent is a digest, never re-rendered as one alert. */
  sharedTs: boolean;
  /** Acknowledged / resolved / muted, as the re-rendered message shows it. */
  controls?: IncidentControls;
}
