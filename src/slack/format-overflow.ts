import type { Alert } from '../engine/alert.js';
import type { MessagePart } from '../state/store.js';
import { contextBlock, fitBlocks, sectionBlock } from './blocks.js';
import { SEVERITY_EMOJI, countText, escapeMrkdwn, groupText } from './event-fields.js';
import { codeText, incidentContext, messageMetadata, type FormatContext, type SlackMessage } from './format.js';
import { SLACK_LIMITS, fitText } from './limits.js';
import { logIdsOfPart } from './log-id-parts.js';

/**
 * A reply in an alert's thread listing log ids its message could not hold
 * (an alert of more than MAX_LOG_IDS events: `part.index` ≥ 2). Same kind and
 * incident as the alert; its `count` covers only the log ids it lists, so the
 * counts of the alert's messages add up to its events. No new events: the
 * parent's running count stays. Without `threadTs` (a preview, or Slack gave
 * the alert no ts) it carries none.
 */
export function formatAlertOverflow(alert: Alert, part: MessagePart, threadTs: string | undefined, context: FormatContext): SlackMessage {
  const warn = context.onWarning;
  const logIds = logIdsOfPart(alert, part.index);
  const what = `log ids of ${logIds.length} more of its ${countText(alert.count)} events (part ${part.index} of ${part.of})`;
  const message: SlackMessage = {
    channel: alert.channel ?? context.defaultChannel,
    text: fitText(`${SEVERITY_EMOJI[alert.severity]} ${escapeMrkdwn(alert.title)} — ${what}`, SLACK_LIMITS.fallbackText, 'fallback text', warn),
    blocks: fitBlocks(
      [
        sectionBlock(`🧾 This alert's ${what}, for ${groupText(alert.group)}: listed in this message's metadata.`, [], warn),
        contextBlock([`${incidentContext(alert)} · incident ${codeText(alert.incident)}`], warn),
      ],
      warn,
    ),
    metadata: messageMetadata({
      kind: alert.kind,
      rule_id: alert.ruleId,
      severity: alert.severity,
      incident: alert.incident,
      log_ids: logIds,
      count: logIds.length,
      group: alert.group,
    }),
    unfurl_links: false,
    unfurl_media: false,
  };
  if (threadTs) message.thread_ts = threadTs;
  return message;
}
