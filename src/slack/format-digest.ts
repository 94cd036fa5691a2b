import type { Alert } from '../engine/alert.js';
import type { MessagePart } from '../state/store.js';
import { aggregate } from './aggregate.js';
import { digestBlockId } from './actions/ids.js';
import { actionsBlock, contextBlock, fitBlocks, headerBlock, linkButtonElements, sectionBlock, type LinkButton } from './blocks.js';
import { digestActionElements } from './format-controls.js';
import { SEVERITY_EMOJI, auth0LogUrl, escapeMrkdwn, groupText, mentionToken, slackDate, topList, topUsersList } from './event-fields.js';
import { codeText, messageMetadata, type FormatContext, type SlackMessage } from './format.js';
import { SLACK_LIMITS, fitText } from './limits.js';

/** How many groups a digest lists by name. */
const DIGEST_TOP_GROUPS = 5;

/** "View in Auth0" on the digest's latest event: the tenant's own dashboard (digests are per tenant). */
function logsButton(dashboard: FormatContext['dashboard'], logId: string): LinkButton[] {
  const url = auth0LogUrl(dashboard, logId);
  return [{ text: 'View in Auth0', url, actionId: 'open_auth0_log' }];
}

/** A digest whose log ids need more than one message: the part it is, and the alerts its own metadata lists. */
export interface DigestSplit {
  /** The alerts whose log ids (and events, in `count`) this message reports; the rest go to its thread. */
  listed: readonly Alert[];
  part?: MessagePart;
}

/**
 * One channel message standing for many pending alerts of one rule of one tenant (a flood).
 * `digestId` names it in metadata; every event of every covered alert is in `count` —
 * unless `split` says that only some of them fit its metadata (the others are parts 2…n).
 * `firstRowId` (its first outbox row) lets its "Mute rule" menu say which rule and tenant.
 */
export function formatDigest(alerts: readonly Alert[], digestId: string, context: FormatContext, firstRowId?: number, split?: DigestSplit): SlackMessage {
  const warn = context.onWarning;
  const first = alerts[0]!;
  const summary = aggregate(alerts);
  const listed = split?.part ? aggregate(split.listed) : summary;
  const inThread = split?.part ? `The log ids of ${summary.count - listed.count} of these events are listed in ${split.part.of - 1} repl${split.part.of === 2 ? 'y' : 'ies'} in this thread.` : '';
  const emoji = SEVERITY_EMOJI[summary.severity];
  const mention = mentionToken(first.mention);
  const headline = `${summary.count} events in ${summary.incidents} incident${summary.incidents === 1 ? '' : 's'} (digest)`;
  const groups = summary.groups
    .slice(0, DIGEST_TOP_GROUPS)
    .map(({ group, count }) => `${groupText(group)} ×${count}`)
    .join('\n');
  const moreGroups = summary.groups.length > DIGEST_TOP_GROUPS ? `\n… and ${summary.groups.length - DIGEST_TOP_GROUPS} more` : '';
  const span = `${slackDate(summary.firstDate)} – ${slackDate(summary.lastDate)}`;

  const blocks = fitBlocks(
    [
      headerBlock(`${emoji} ${first.title} — ${headline}`, warn),
      sectionBlock(
        [
          mention,
          `*${summary.count} events* matched rule ${codeText(first.ruleId)} while the channel was busy; they are summarised here instead of ${alerts.length} separate messages.`,
          first.ruleDescription ? `_${escapeMrkdwn(first.ruleDescription)}_` : undefined,
          inThread || undefined,
        ]
          .filter(Boolean)
          .join('\n'),
        [
          `*Events*\n${summary.count}`,
          `*Incidents*\n${summary.incidents}`,
          `*Top groups*\n${groups || '–'}${moreGroups}`,
          `*Top users*\n${topUsersList(summary.users, summary.withoutUser)}`,
          `*Top IPs*\n${topList(summary.ips)}`,
          `*Time*\n${span}`,
        ],
        warn,
      ),
      contextBlock(
        [
          `Digest ${codeText(digestId)} · rule ${codeText(first.ruleId)} · severity ${summary.severity}${context.tenant ? ` · tenant ${codeText(context.tenant)}` : ''}`,
        ],
        warn,
      ),
      actionsBlock(
        [
          ...(context.actions && firstRowId !== undefined ? digestActionElements(warn) : []),
          ...linkButtonElements(logsButton(context.dashboard, first.event.log_id), warn),
        ],
        context.actions && firstRowId !== undefined ? digestBlockId(firstRowId) : undefined,
        warn,
      ),
    ],
    warn,
  );

  const groupsInDigest = new Set(alerts.map((alert) => JSON.stringify(alert.group)));
  return {
    channel: first.channel ?? context.defaultChannel,
    text: fitText(
      [mention, `${emoji} ${escapeMrkdwn(first.title)} — ${headline}`].filter(Boolean).join(' '),
      SLACK_LIMITS.fallbackText,
      'fallback text',
      warn,
    ),
    blocks,
    metadata: messageMetadata({
      kind: 'digest',
      rule_id: first.ruleId,
      severity: summary.severity,
      incident: digestId,
      log_ids: listed.logIds,
      count: listed.count,
      group: groupsInDigest.size === 1 ? first.group : {},
    }),
    unfurl_links: false,
    unfurl_media: false,
  };
}

/**
 * A digest's part 2…n: a short reply in the digest's thread whose metadata lists
 * the log ids (and counts the events) of its alerts; the digest message tells
 * of the whole flood. Without `threadTs` (Slack gave the digest none) it stands alone.
 * `parentGone`: the digest's message was deleted in Slack, so this part goes out
 * as a channel message of its own: its text names the rule's alerts and says why.
 */
export function formatDigestPart(alerts: readonly Alert[], digestId: string, part: MessagePart, threadTs: string | undefined, context: FormatContext, parentGone = false): SlackMessage {
  const warn = context.onWarning;
  const first = alerts[0]!;
  const summary = aggregate(alerts);
  const emoji = SEVERITY_EMOJI[summary.severity];
  const title = escapeMrkdwn(first.title);
  const incidents = `${summary.incidents} incident${summary.incidents === 1 ? '' : 's'}`;
  const rest = part.index < part.of ? ' The rest follow in this thread.' : '';
  const line = parentGone
    ? `${emoji} *${summary.count} more events* of the digest of *${title}* (part ${part.index} of ${part.of}), in ${incidents}: their log ids are listed in this message's metadata. The digest's own message was deleted in Slack, so they are posted here.${rest}`
    : `${emoji} *${summary.count} more events* of this digest (part ${part.index} of ${part.of}), in ${incidents}`;
  const message: SlackMessage = {
    channel: first.channel ?? context.defaultChannel,
    text: fitText(
      `${emoji} ${title} — ${summary.count} more events (digest part ${part.index} of ${part.of})${parentGone ? '; the digest was deleted in Slack' : ''}`,
      SLACK_LIMITS.fallbackText,
      'fallback text',
      warn,
    ),
    blocks: fitBlocks(
      [
        sectionBlock(line, [`*Top IPs*\n${topList(summary.ips)}`, `*Top users*\n${topUsersList(summary.users, summary.withoutUser)}`], warn),
        contextBlock([`Digest ${codeText(digestId)} · rule ${codeText(first.ruleId)} · ${slackDate(summary.firstDate)} – ${slackDate(summary.lastDate)}`], warn),
      ],
      warn,
    ),
    metadata: messageMetadata({
      kind: 'digest',
      rule_id: first.ruleId,
      severity: summary.severity,
      incident: digestId,
      log_ids: summary.logIds,
      count: summary.count,
      group: summary.groups.length === 1 ? first.group : {},
    }),
    unfurl_links: false,
    unfurl_media: false,
  };
  if (threadTs) message.thread_ts = threadTs;
  return message;
}
