import type { IncidentActionRequest, IncidentActionResult, IncidentControls, Mute, ThreadNote, ThreadNoteOutcome } from '../../controls.js';
import type { IncidentStore } from '../../interface/incidents.js';
import type { IncidentParent, IncidentRecord, OutboxStatus } from '../../store.js';
import { incidentControls, pendingResolutions, recordIncidentAction } from '../incident-actions.js';
import { clearIncidentThread, getIncident } from '../incidents.js';
import { endMute, endOverdueMutes } from '../mute-holds.js';
import { listMutes } from '../mutes.js';
import { incidentAlert, incidentAlertStatus } from '../outbox.js';
import { claimThreadNote, dueThreadNotes, recordThreadNote } from '../thread-notes.js';
import type { SqliteRun } from './run.js';

/** The IncidentStore part of the SQLite StateStore (see ../store.ts). */
export function sqliteIncidents(run: SqliteRun): IncidentStore {
  return {
    async getIncident(incident: string): Promise<IncidentRecord | undefined> {
      return getIncident(run.db, incident);
    },

    async threadedIncidents(incidents: readonly string[]): Promise<Set<string>> {
      const threaded = new Set<string>();
      for (const incident of new Set(incidents)) if (getIncident(run.db, incident)?.messageTs) threaded.add(incident);
      return threaded;
    },

    async clearIncidentThread(incident: string): Promise<void> {
      run.write(`forgetting the thread of incident ${incident}`, () => clearIncidentThread(run.db, incident));
    },

    async incidentAlertStatus(incident: string): Promise<OutboxStatus | undefined> {
      return incidentAlertStatus(run.db, incident);
    },

    async incidentAlert(incident: string): Promise<IncidentParent | undefined> {
      const parent = incidentAlert(run.db, incident);
      const controls = parent ? incidentControls(run.db, incident) : undefined;
      // Only an incident someone acted on carries controls: the others render as before.
      const acted = controls && (controls.ackedBy || controls.resolvedBy || controls.mutes.length > 0);
      return parent && acted ? { ...parent, controls } : parent;
    },

    async recordIncidentAction(request: IncidentActionRequest): Promise<IncidentActionResult> {
      return run.write(`recording ${request.action} from Slack`, () => recordIncidentAction(run.db, request));
    },

    async incidentControls(incident: string): Promise<IncidentControls | undefined> {
      return incidentControls(run.db, incident);
    },

    async pendingResolutions(tenant: string): Promise<string[]> {
      return pendingResolutions(run.db, tenant);
    },

    async listMutes(options?: { active?: boolean }): Promise<Mute[]> {
      return listMutes(run.db, options);
    },

    async endMute(id: number, by: string, now: Date): Promise<Mute | undefined> {
      return run.write(`ending mute ${id}`, () => endMute(run.db, id, { reason: 'unmuted', by }, now));
    },

    async endOverdueMutes(now: Date): Promise<Mute[]> {
      return run.write('ending overdue mutes', () => endOverdueMutes(run.db, now));
    },

    async dueThreadNotes(now: Date, limit: number): Promise<ThreadNote[]> {
      return dueThreadNotes(run.db, now.getTime(), limit);
    },

    async claimThreadNote(id: number, owner: string, now: Date, until: Date): Promise<boolean> {
      return run.write('claiming a thread reply', () => claimThreadNote(run.db, id, owner, now.getTime(), until.getTime()));
    },

    async recordThreadNote(id: number, outcome: ThreadNoteOutcome): Promise<void> {
      run.write('recording a thread reply', () => recordThreadNote(run.db, id, outcome));
    },
  };
}
