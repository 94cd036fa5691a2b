import { MAX_LOG_IDS, type Alert } from '../engine/alert.js';
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
 *
 * `parentGone`: the alert's message was deleted in Slack, so this part goes out
 * as a channel message of its own (no `threadTs`): its text names the alert and
 * the log ids it lists, and says why it stands alone.
 */
export function formatAlertOverflow(alert: Alert, part: MessagePart, threadTs: string | undefined, context: FormatContext, parentGone = false): SlackMessage {
  const warn = context.onWarning;
  const logIds = logIdsOfPart(alert, part.index);
  const what = `log ids of ${logIds.length} more of its ${countText(alert.count)} events (part ${part.index} of ${part.of})`;
  const title = escapeMrkdwn(alert.title);
  const first = (part.index - 1) * MAX_LOG_IDS + 1;
  const range = `log ids ${countText(first)}–${countText(first + logIds.length - 1)} of its ${countText(alert.count)} events (part ${part.index} of ${part.of})`;
  const rest = part.index < part.of ? ' The rest follow in this thread.' : '';
  const section = parentGone
    ? `🧾 Alert *${title}*, for ${groupText(alert.group)}: ${range}, listed in this message's metadata. The alert's own message was deleted in Slack, so they are posted here.${rest}`
    : `🧾 This alert's ${what}, for ${groupText(alert.group)}: listed in this message's metadata.`;
  const message: SlackMessage = {
    channel: alert.channel ?? context.defaultChannel,
    text: fitText(
      `${SEVERITY_EMOJI[alert.severity]} ${title} — ${parentGone ? `${range}; its message was deleted in Slack` : what}`,
      SLACK_LIMITS.fallbackText,
      'fallback text',
      warn,
    ),
    blocks: fitBlocks(
      [
        sectionBlock(section, [], warn),
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
