import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Catalog } from '../../catalog/types.js';
import type { Logger } from '../../log.js';
import type { StateStore } from '../../state/store.js';
import type { Dashboard } from '../event-fields.js';
import { createSlackClient } from '../poster.js';
import type { IncidentActionDeps } from './handler.js';
import { createThreadNotes, type ThreadNotes } from './notes.js';

export { registerIncidentActions, refreshIncidentMessage, type IncidentActionDeps } from './handler.js';
export { createResponderCheck } from './responders.js';
export { createThreadNotes, type ThreadNotes } from './notes.js';

export interface IncidentActionsInput {
  store: StateStore;
  catalog: Catalog;
  logger: Logger;
  botToken: string;
  apiUrl: string;
  alertChannel?: string | undefined;
  /** SLACK_RESPONDERS. */
  responders: readonly string[];
  dashboardFor: (tenant: string) => Dashboard | undefined;
}

/**
 * Everything the Slack app needs to take Acknowledge / Resolve / Mute: the
 * handlers' dependencies (the app registers them) and the worker posting the
 * audit replies they owe (started next to the app, stopped with it).
 */
export function incidentActions(input: IncidentActionsInput): { handlers: Omit<IncidentActionDeps, 'mayAct' | 'logger'> & { responders: readonly string[] }; notes: ThreadNotes } {
  const client = createSlackClient({ token: input.botToken, apiUrl: input.apiUrl });
  const notes = createThreadNotes({
    store: input.store,
    logger: input.logger.child({ component: 'thread-notes' }),
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    post: async (message) => {
      const result = await client.chat.postMessage(message as unknown as Parameters<typeof client.chat.postMessage>[0]);
      return { ts: result.ts ?? null };
    },
  });
  return {
    notes,
    handlers: {
      store: input.store,
      responders: input.responders,
      formatContext: (tenant) => ({ catalog: input.catalog, defaultChannel: input.alertChannel ?? '', dashboard: input.dashboardFor(tenant) }),
      onRecorded: () => void notes.flush().catch(() => undefined),
    },
  };
}
