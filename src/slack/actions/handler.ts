import type { App, BlockAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../log.js';
import type { IncidentActionRequest, IncidentActionResult } from '../../state/controls.js';
import type { StateStore } from '../../state/store.js';
import { formatParentUpdate, type FormatContext } from '../format.js';
import { toSlackApiError } from '../slack-errors.js';
import { userMention } from '../format-controls.js';
import { ACTION_IDS, parseBlockId, parseMuteOption } from './ids.js';
import type { ResponderCheck } from './responders.js';

export interface IncidentActionDeps {
  store: StateStore;
  /** Catalog, dashboard link… for re-rendering a message of this tenant. */
  formatContext: (tenant: string) => FormatContext;
  /** SLACK_RESPONDERS. */
  mayAct: ResponderCheck;
  /** A note was recorded: post it now rather than at the next tick. */
  onRecorded?: () => void;
  logger: Logger;
  now?: () => Date;
}

type Verb = 'acknowledge' | 'resolve' | 'mute';
const VERB_TEXT: Record<Verb, string> = { acknowledge: 'acknowledge', resolve: 'resolve', mute: 'mute' };

/**
 * Acknowledge, Resolve and Mute on alert messages (and Mute rule on digests),
 * the same over Socket Mode and HTTP (where the receiver has already checked
 * Slack's signature and timestamp). Slack wants the ack within 3 seconds: it
 * is sent first, and the work — the state change, the message updated in
 * place, the audit reply — follows.
 */
export function registerIncidentActions(app: App, deps: IncidentActionDeps): void {
  const handle = (verb: Verb) => async ({ ack, body, respond, client }: { ack: () => Promise<void>; body: BlockAction; respond: RespondFn; client: WebClient }) => {
    await ack();
    try {
      await act(verb, body, respond, client, deps);
    } catch (error) {
      deps.logger.error({ action: verb, err: (error as Error)?.message }, `could not ${VERB_TEXT[verb]} from Slack`);
      await tell(respond, deps, `Sorry — the ${VERB_TEXT[verb]} could not be recorded (${(error as Error)?.name ?? 'error'}). Nothing changed; try again.`);
    }
  };
  app.action<BlockAction>(ACTION_IDS.acknowledge, handle('acknowledge'));
  app.action<BlockAction>(ACTION_IDS.resolve, handle('resolve'));
  app.action<BlockAction>(ACTION_IDS.mute, handle('mute'));
  app.action<BlockAction>(ACTION_IDS.muteRule, handle('mute'));
}

async function act(verb: Verb, body: BlockAction, respond: RespondFn, client: WebClient, deps: IncidentActionDeps): Promise<void> {
  const action = body.actions[0];
  const subject = parseBlockId(action?.block_id);
  const user = body.user.id;
  const channel = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id ?? '';
  const messageTs = body.message?.ts ?? (body.container as { message_ts?: string } | undefined)?.message_ts ?? '';
  if (!subject) {
    deps.logger.warn({ action: action?.action_id }, 'a Slack action named no incident; ignored');
    return;
  }
  if (!(await deps.mayAct(user))) {
    deps.logger.info({ user, action: verb }, 'refused a Slack action: not in SLACK_RESPONDERS');
    await tell(respond, deps, `Only responders can ${VERB_TEXT[verb]} alerts here (SLACK_RESPONDERS). Nothing changed.`);
    return;
  }
  const at = deps.now?.() ?? new Date();
  let request: IncidentActionRequest;
  if (verb === 'mute') {
    const option = parseMuteOption((action as { selected_option?: { value?: string } }).selected_option?.value);
    if (!option) return;
    request =
      'digestRowId' in subject
        ? { action: 'mute', digestRowId: subject.digestRowId, scope: 'rule', durationMs: option.durationMs, user, at, channel, messageTs }
        : { action: 'mute', incident: subject.incident, scope: option.scope, durationMs: option.durationMs, user, at, channel, messageTs };
  } else {
    if (!('incident' in subject)) return;
    request = { action: verb, incident: subject.incident, user, at, channel, messageTs };
  }
  const result = await deps.store.recordIncidentAction(request);
  if (!result.applied) {
    await tell(respond, deps, refusal(result));
    return;
  }
  deps.logger.info({ user, action: verb, incident: result.controls.incident, mute: result.mute?.id }, `incident ${verb} from Slack`);
  deps.onRecorded?.();
  if (!('digestRowId' in subject)) await refreshIncidentMessage(result.controls.incident, client, deps);
}

function refusal(result: Extract<IncidentActionResult, { applied: false }>): string {
  switch (result.why) {
    case 'already_acknowledged':
      return `Already acknowledged by ${userMention(result.controls?.ackedBy)}.`;
    case 'already_resolved':
      return `Already resolved by ${userMention(result.controls?.resolvedBy)}; the next match opens a new incident.`;
    case 'unknown_incident':
      return 'This alert is no longer known to the bot (its state was pruned or lives in another state database). Nothing changed.';
  }
}

async function tell(respond: RespondFn, deps: IncidentActionDeps, text: string): Promise<void> {
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  } catch (error) {
    deps.logger.warn({ err: (error as Error)?.message }, 'could not send an ephemeral answer to a Slack action');
  }
}

/**
 * The incident's message re-rendered with its state (who acknowledged,
 * resolved, muted) and the buttons that still apply. Cosmetic: a failure is
 * logged, the state and the audit reply stand.
 */
export async function refreshIncidentMessage(incident: string, client: Pick<WebClient, 'chat'>, deps: Pick<IncidentActionDeps, 'store' | 'formatContext' | 'logger'>): Promise<void> {
  const parent = await deps.store.incidentAlert(incident);
  if (!parent?.messageTs || parent.sharedTs) return;
  const record = await deps.store.getIncident(incident);
  const tenant = record?.tenant ?? parent.controls?.tenant;
  if (!record || !tenant) return;
  const running = record.count > parent.alert.count ? { count: record.count } : undefined;
  const body = formatParentUpdate(parent.alert, running, parent.messageTs, { ...deps.formatContext(tenant), actions: true, controls: parent.controls });
  body.channel = record.channel;
  try {
    await client.chat.update(body as unknown as Parameters<WebClient['chat']['update']>[0]);
  } catch (error) {
    const converted = toSlackApiError('chat.update', error, record.channel);
    deps.logger.warn({ incident, slackError: converted.details.apiError }, `could not update the incident's message: ${converted.message}`);
  }
}
