import type { Alert } from '../engine/alert.js';
import type { MessagePart } from '../state/store.js';
import { aggregate } from './aggregate.js';
import { contextBlock, fitBlocks, headerBlock, sectionBlock } from './blocks.js';
import { SEVERITY_EMOJI, countText, escapeMrkdwn, groupText, slackDate, topList, topUsersList } from './event-fields.js';
import { codeText, formatAlert, messageMetadata, type FormatContext, type SlackMessage } from './format.js';
import { SLACK_LIMITS, fitText } from './limits.js';
import { formatAlertOverflow } from './format-overflow.js';
import { alertMessageCount } from './log-id-parts.js';

export interface RepeatOptions {
  /** The incident's parent message; absent → a standalone channel message (the parent could not be posted, or is gone). */
  threadTs?: string;
  /** Events reported for the incident so far, these included (the parent's running count). */
  total: number;
  /**
   * Rendered as a channel message of its own ("continued", with a header). @default threadTs === undefined.
   * Previews pass false: the reply the sender would post, before Slack has given the parent a ts.
   */
  standalone?: boolean;
  /** Events among these that a mute held back (it has ended): the reply reports them (kind `muted`). */
  heldByMute?: number;
  /** One of several replies for the incident's pending repeats (their log ids fill more than one message). */
  part?: MessagePart;
}

/**
 * One thread reply for every pending repeat of one incident: "+N more … (total M)".
 * Short on purpose: the parent message holds the details.
 */
export function formatRepeatReply(repeats: readonly Alert[], options: RepeatOptions, context: FormatContext): SlackMessage {
  const warn = context.onWarning;
  const first = repeats[0]!;
  const summary = aggregate(repeats);
  const standalone = options.standalone ?? options.threadTs === undefined;
  // What the reply adds, then the new total: "+10 more, 30 in all" never reads as a total of its own.
  const part = options.part ? ` (reply ${options.part.index} of ${options.part.of})` : '';
  const headline = `+${countText(summary.count)} more, ${countText(options.total)} in all${part}`;
  const held = options.heldByMute ?? 0;
  const mutedLine = held > 0 ? `🔔 *Mute ended* — ${countText(held)} event${held === 1 ? ' was' : 's were'} held back while muted, reported here` : undefined;
  const span =
    summary.firstDate === summary.lastDate
      ? slackDate(summary.lastDate)
      : `${slackDate(summary.firstDate)} – ${slackDate(summary.lastDate)}`;

  const blocks = fitBlocks(
    [
      standalone ? headerBlock(`${SEVERITY_EMOJI[first.severity]} ${first.title} (continued)`, warn) : undefined,
      mutedLine ? sectionBlock(mutedLine, [], warn) : undefined,
      sectionBlock(
        `🔁 *${headline}* for ${groupText(first.group)}`,
        [`*Top users*\n${topUsersList(summary.users, summary.withoutUser)}`, `*Top IPs*\n${topList(summary.ips)}`, `*Group*\n${groupText(first.group)}`],
        warn,
      ),
      contextBlock(
        [
          `${span} · rule ${codeText(first.ruleId)} · incident ${codeText(first.incident)}${
            standalone ? ' · on its own: the first message of this incident could not be posted, or was deleted in Slack' : ''
          }`,
        ],
        warn,
      ),
    ],
    warn,
  );

  const message: SlackMessage = {
    channel: first.channel ?? context.defaultChannel,
    text: fitText(
      `${held > 0 ? '🔔 mute ended: ' : `${SEVERITY_EMOJI[first.severity]} `}${headline} · ${escapeMrkdwn(first.title)}`,
      SLACK_LIMITS.fallbackText,
      'fallback text',
      warn,
    ),
    blocks,
    metadata: messageMetadata({
      kind: held > 0 ? 'muted' : 'repeat',
      rule_id: first.ruleId,
      severity: summary.severity,
      incident: first.incident,
      log_ids: summary.logIds,
      count: summary.count,
      group: first.group,
    }),
    unfurl_links: false,
    unfurl_media: false,
  };
  if (options.threadTs) message.thread_ts = options.threadTs;
  return message;
}

/**
 * What `replay --json` and `run --dry-run --json` print: the body the sender would post for
 * one alert — a channel message for an alert, the thread reply for a repeat (its `thread_ts`
 * absent: the parent is not posted; `metadata.event_payload.incident` ties the two).
 */
export function formatPreview(alert: Alert, context: FormatContext): SlackMessage {
  if (alert.kind !== 'repeat') return formatAlert(alert, context);
  return formatRepeatReply([alert], { total: alert.incidentCount, standalone: false }, context);
}

/**
 * Every body the sender would post for one alert, in order: formatPreview's,
 * then — for an alert of more than MAX_LOG_IDS events — the thread replies
 * listing its other log ids (their `thread_ts` absent, like a repeat's).
 */
export function formatPreviews(alert: Alert, context: FormatContext): SlackMessage[] {
  const first = formatPreview(alert, context);
  if (alert.kind === 'repeat') return [first];
  const of = alertMessageCount(alert);
  const replies = Array.from({ length: of - 1 }, (_, i) => formatAlertOverflow(alert, { index: i + 2, of }, undefined, context));
  return [first, ...replies];
}
