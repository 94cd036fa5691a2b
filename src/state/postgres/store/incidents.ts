import type { IncidentActionRequest, IncidentActionResult, IncidentControls, Mute, ThreadNote, ThreadNoteOutcome } from '../../controls.js';
import type { IncidentStore } from '../../interface/incidents.js';
import type { IncidentParent, IncidentRecord, OutboxStatus } from '../../store.js';
import * as incidentActions from '../incident-actions.js';
import { clearIncidentThread, getIncident, threadedIncidents } from '../incidents.js';
import * as muteHolds from '../mute-holds.js';
import * as mutes from '../mutes.js';
import { incidentAlert, incidentAlertStatus } from '../outbox.js';
import * as threadNotes from '../thread-notes.js';
import type { PgRun } from './run.js';

/** The IncidentStore part of the PostgreSQL StateStore (see ../store.ts). */
export function pgIncidents(run: PgRun): IncidentStore {
  return {
    getIncident(incident: string): Promise<IncidentRecord | undefined> {
      return run.statement(`reading incident ${incident}`, (db) => getIncident(db, incident));
    },

    threadedIncidents(incidents: readonly string[]): Promise<Set<string>> {
      return run.statement('reading incident threads', (db) => threadedIncidents(db, incidents));
    },

    clearIncidentThread(incident: string): Promise<void> {
      return run.statement(`forgetting the thread of incident ${incident}`, (db) => clearIncidentThread(db, incident));
    },

    incidentAlertStatus(incident: string): Promise<OutboxStatus | undefined> {
      return run.statement(`reading incident ${incident}`, (db) => incidentAlertStatus(db, incident));
    },

    incidentAlert(incident: string): Promise<IncidentParent | undefined> {
      return run.statement(`reading incident ${incident}`, async (db) => {
        const parent = await incidentAlert(db, incident);
        const state = parent ? await incidentActions.incidentControls(db, incident) : undefined;
        // Only an incident someone acted on carries controls: the others render as before.
        const acted = state && (state.ackedBy || state.resolvedBy || state.mutes.length > 0);
        return parent && acted ? { ...parent, controls: state } : parent;
      });
    },

    recordIncidentAction(request: IncidentActionRequest): Promise<IncidentActionResult> {
      return run.write(`recording ${request.action} from Slack`, (db) => incidentActions.recordIncidentAction(db, request));
    },

    incidentControls(incident: string): Promise<IncidentControls | undefined> {
      return run.statement(`reading incident ${incident}`, (db) => incidentActions.incidentControls(db, incident));
    },

    pendingResolutions(tenant: string): Promise<string[]> {
      return run.statement(`reading resolutions of tenant ${tenant}`, (db) => incidentActions.pendingResolutions(db, tenant));
    },

    listMutes(options?: { active?: boolean }): Promise<Mute[]> {
      return run.statement('listing mutes', (db) => mutes.listMutes(db, options));
    },

    endMute(id: number, by: string, now: Date): Promise<Mute | undefined> {
      return run.write(`ending mute ${id}`, (db) => muteHolds.endMute(db, id, { reason: 'unmuted', by }, now));
    },

    endOverdueMutes(now: Date): Promise<Mute[]> {
      return run.write('ending overdue mutes', (db) => muteHolds.endOverdueMutes(db, now));
    },

    dueThreadNotes(now: Date, limit: number): Promise<ThreadNote[]> {
      return run.statement('reading thread replies owed', (db) => threadNotes.dueThreadNotes(db, now.getTime(), limit));
    },

    claimThreadNote(id: number, owner: string, now: Date, until: Date): Promise<boolean> {
      return run.statement('claiming a thread reply', (db) => threadNotes.claimThreadNote(db, id, owner, now.getTime(), until.getTime()));
    },

    recordThreadNote(id: number, outcome: ThreadNoteOutcome): Promise<void> {
      return run.statement('recording a thread reply', (db) => threadNotes.recordThreadNote(db, id, outcome));
    },
  };
}
