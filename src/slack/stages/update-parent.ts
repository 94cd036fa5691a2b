import type { SlackApiError } from '../../errors.js';
import { formatParentUpdate, type FormatContext } from '../format.js';
import { THREAD_GONE } from '../sender-failures.js';
import type { Paced } from '../sender-pacing.js';
import type { DrainRun } from '../sender-types.js';
import { failureScope } from '../slack-errors.js';
import type { Delivery } from './prepare.js';

export interface UpdateParentTools {
  paced: Paced;
  pauseForToken(run: DrainRun, error: SlackApiError): Promise<void>;
  formatContext(tenant: string, channel: string): FormatContext;
}

/**
 * After an incident's thread replies: its parent message is re-rendered with
 * the running count (`chat.update`). Cosmetic — the reply carries the events —
 * so a failed update is logged, never retried forever; a parent deleted in
 * Slack makes the incident forget its thread (its next repeat starts a new one).
 */
export async function updateParent(run: DrainRun, delivery: Delivery, channel: string, tools: UpdateParentTools): Promise<void> {
  const { store, logger, poster } = run.options;
  const thread = delivery.thread!;
  const incident = delivery.item.rows[0]!.incident;
  const parent = await store.incidentAlert(incident);
  if (!parent || parent.sharedTs || parent.messageTs !== thread.parentTs) return;
  const lastDate = delivery.item.rows.map((row) => row.alert.lastDate).sort().at(-1)!;
  const context = { ...tools.formatContext(delivery.item.rows[0]!.tenant, channel), controls: parent.controls };
  const body = formatParentUpdate(parent.alert, { count: thread.total, lastDate }, thread.parentTs, context);
  body.channel = thread.parentChannel;
  const outcome = await tools.paced(run, channel, 'chat.update', () => poster.update(body), 2);
  if (outcome?.ok) run.report.updates += 1;
  else if (outcome && failureScope(outcome.error) === 'all') await tools.pauseForToken(run, outcome.error);
  else if (outcome && THREAD_GONE.has(outcome.error.details.apiError ?? '')) {
    await store.clearIncidentThread(incident);
    logger.warn({ channel, incident }, `the incident's message was deleted in Slack; its next repeat starts a new thread`);
  } else if (outcome) logger.warn({ channel, slackError: outcome.error.details.apiError }, `could not update the incident's message: ${outcome.error.message}`);
}
