import { MAX_ALERT_LOG_IDS, MAX_LOG_IDS, type Alert } from '../engine/alert.js';
import type { Catalog } from '../catalog/types.js';
import type { IncidentControls } from '../state/controls.js';
import { incidentBlockId } from './actions/ids.js';
import { actionsBlock, contextBlock, fitBlocks, headerBlock, linkButtonElements, sectionBlock, type Block } from './blocks.js';
import { controlsLines, incidentActionElements, stateEmoji } from './format-controls.js';
import {
  SEVERITY_EMOJI,
  applicationField,
  auth0LogUrl,
  auth0UserUrl,
  connectionField,
  countText,
  escapeMrkdwn,
  groupText,
  ipField,
  mentionToken,
  slackDate,
  timeField,
  userAgentField,
  topList,
  userField,
  type Dashboard,
} from './event-fields.js';
import { escapeMrkdwnLines } from './escape.js';
import { SLACK_LIMITS, fitText, type LimitWarning } from './limits.js';
import { newValueSection, sequenceSections, travelSection } from './format-kinds.js';
import { changeSection } from './format-change.js';
import { alertMessageCount, logIdsInReplies, logIdsOfPart, ownCount, unlistedEvents } from './log-id-parts.js';

/** The `metadata` every posted message carries (see CONTRACT.md). */
export interface AlertMetadata {
  event_type: 'auth0_log_alert';
  event_payload: {
    /** `muted`: the reply reporting what a mute held back, when it ended. */
    kind: 'alert' | 'repeat' | 'digest' | 'muted';
    rule_id: string;
    severity: string;
    incident: string;
    log_ids: string[];
    count: number;
    group: Record<string, string | null>;
  };
}

/** Exactly the body of `chat.postMessage` (thread_ts is added by the sender for repeats). */
export interface SlackMessage {
  channel: string;
  text: string;
  blocks: unknown[];
  metadata: AlertMetadata;
  thread_ts?: string;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/** The body of `chat.update` for an incident's parent message. */
export interface SlackUpdate {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  metadata: AlertMetadata;
}

export interface FormatContext {
  catalog: Catalog;
  /** Used when the alert's rule names no channel. */
  defaultChannel: string;
  /** Known when the tenant's region and name can be derived; enables "View in Auth0". */
  dashboard?: Dashboard;
  /** The tenant the message is about (digests name it: a digest never mixes tenants). */
  tenant?: string;
  /** Told about every value cut to Slack's limits (the formatter itself never logs). */
  onWarning?: LimitWarning;
  /**
   * The bot receives Slack actions (Socket Mode or HTTP mode, not `run --once`):
   * messages carry Acknowledge / Resolve / Mute. Never a button nobody answers.
   */
  actions?: boolean;
  /** The incident's state (acknowledged, resolved, muted) when re-rendering its message. */
  controls?: IncidentControls;
}

/** How far an open incident has grown; shown on the parent message by chat.update. */
export interface RunningCount {
  count: number;
  /** The latest event reported; unknown when the message is re-rendered for an action. */
  lastDate?: string;
}

/** The one place the contract's metadata shape is written (alert, repeat reply, digest). */
export function messageMetadata(payload: AlertMetadata['event_payload']): AlertMetadata {
  return { event_type: 'auth0_log_alert', event_payload: { ...payload, log_ids: payload.log_ids.slice(0, MAX_LOG_IDS) } };
}

/** An alert's own message (and its chat.update edits): the log ids its replies do not list (log-id-parts.ts). */
export function alertMetadata(alert: Alert): AlertMetadata {
  return messageMetadata({
    kind: alert.kind,
    rule_id: alert.ruleId,
    severity: alert.severity,
    incident: alert.incident,
    log_ids: logIdsOfPart(alert, 1),
    count: ownCount(alert),
    group: alert.group,
  });
}

/**
 * `pwd_leak` → `` `pwd_leak` ``: a code span copies cleanly (no zero-width spaces).
 * Only for identifier-like values (codes, rule and incident ids): a value with spaces,
 * backticks or punctuation might not form a span in Slack and would then be read as
 * mrkdwn, so it is escaped as plain text instead — log ids and event types are untrusted.
 */
const CODE_SPAN_SAFE = /^[\p{L}\p{N}_.:-]{1,300}$/u;

export function codeText(code: string): string {
  return CODE_SPAN_SAFE.test(code) ? `\`${code}\`` : escapeMrkdwn(code);
}

/** "`limit_wc` — *Blocked Account*": the code, then its catalog name (already escaped); plain in notification text. */
export function codeLine(code: string, escapedName: string, style: 'bold' | 'plain' = 'bold'): string {
  return `${codeText(code)} — ${style === 'bold' ? `*${escapedName}*` : escapedName}`;
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\//i.test(value) && URL.canParse(value);
}

/** The channel message that opens an incident. */
export function formatAlert(alert: Alert, context: FormatContext): SlackMessage {
  const message = buildAlert(alert, context, undefined);
  return { ...message, unfurl_links: false, unfurl_media: false };
}

/** The parent message re-rendered with the incident's running count (body of chat.update). */
export function formatParentUpdate(alert: Alert, running: RunningCount | undefined, ts: string, context: FormatContext): SlackUpdate {
  const { channel, text, blocks, metadata } = buildAlert(alert, context, running);
  return { channel, ts, text, blocks, metadata };
}

function buildAlert(alert: Alert, context: FormatContext, running: RunningCount | undefined): SlackMessage {
  const warn = context.onWarning;
  const event = alert.event;
  const entry = context.catalog.get(event.type);
  const eventName = entry ? escapeMrkdwn(entry.name) : 'Unknown event type';
  const mention = mentionToken(effectiveMention(alert));
  const emoji = SEVERITY_EMOJI[alert.severity];
  const controls = context.controls;
  const tenant = context.tenant ? ` · tenant *${escapeMrkdwn(context.tenant)}*` : '';

  const intro = [
    mention,
    // The header is the rule's title (what happened); this line names the code and what the catalog calls it,
    // written as `/logcode` writes it — the two differ for codes like `limit_wc` (title "IP … blocked for account …").
    `${codeLine(event.type, eventName)} · severity *${alert.severity}*${tenant}`,
    // A threshold alert's event is only the latest of many: its description would read as the whole story.
    event.description && !alert.threshold ? escapeMrkdwn(event.description) : undefined,
    alert.ruleDescription ? `_${escapeMrkdwn(alert.ruleDescription)}_` : undefined,
    inThreadLine(alert),
    unlistedLine(alert),
  ].filter((line): line is string => !!line);

  const blocks: (Block | undefined)[] = [headerBlock(`${stateEmoji(controls) ?? emoji} ${alert.title}`, warn)];
  if (alert.threshold) {
    // The burst first (count, top users / IPs); the event the alert was built from is only
    // the latest of many — labelled so, lest its user read as "the victim" of an attack by IP.
    blocks.push(thresholdSection(alert, intro, running, warn));
    // What the group or the top lists already say (this IP, the one user) is not repeated for the latest event.
    const grouped = new Set(alert.threshold.groupBy);
    const only = (top: readonly { value: string }[] | undefined) => (top?.length === 1 ? top[0]!.value : undefined);
    const sameUser = grouped.has('user_name') || grouped.has('user_id') || only(alert.top?.users) === (event.user_name ?? event.user_id);
    const sameIp = grouped.has('ip') || only(alert.top?.ips) === event.ip;
    blocks.push(
      sectionBlock(
        '*Latest event*',
        [
          sameUser ? undefined : userField(event, 'Latest user'),
          sameIp ? undefined : ipField(event, 'Latest IP address'),
          userAgentField(event),
          applicationField(event),
          connectionField(event),
          timeField(event),
        ],
        warn,
      ),
    );
  } else if (alert.sequence) {
    blocks.push(...sequenceSections(alert, intro, warn));
  } else if (alert.travel) {
    blocks.push(travelSection(alert, intro, warn));
  } else if (alert.newValue) {
    blocks.push(newValueSection(alert, intro, warn));
  } else {
    blocks.push(
      sectionBlock(intro.join('\n'), [userField(event), ipField(event), userAgentField(event), applicationField(event), connectionField(event), timeField(event)], warn),
      changeSection(alert, warn),
    );
  }
  // A threshold alert shows its running count in its "So far" field.
  if (running && !alert.threshold) {
    blocks.push(
      sectionBlock(`🔁 *Seen ${running.count} times so far*${running.lastDate ? ` · last ${slackDate(running.lastDate)}` : ''} · details in the thread`, [], warn),
    );
  }
  // A runbook is a link (a button) or guidance written in the rule (shown as text: what to do now).
  const runbookIsLink = alert.runbook !== undefined && isHttpUrl(alert.runbook);
  if (alert.runbook && !runbookIsLink) blocks.push(sectionBlock(`*What to do*\n${escapeMrkdwnLines(alert.runbook)}`, [], warn));
  const state = controlsLines(controls);
  if (state.length > 0) blocks.push(contextBlock(state, warn));
  const links = linkButtonElements(
    [
      { text: 'View in Auth0', url: auth0LogUrl(context.dashboard, event.log_id), actionId: 'open_auth0_log' },
      { text: 'View user', url: auth0UserUrl(context.dashboard, event.user_id ?? undefined), actionId: 'open_auth0_user' },
      { text: `What is ${event.type}?`, url: entry?.docsUrl, actionId: 'open_log_code_docs' },
      { text: 'Runbook', url: runbookIsLink ? alert.runbook : undefined, actionId: 'open_runbook' },
    ],
    warn,
  );
  const blockId = context.actions ? incidentBlockId(alert.incident) : undefined;
  const actions = blockId ? incidentActionElements(alert, controls, warn) : [];
  blocks.push(actionsBlock([...actions, ...links], blockId, warn), contextBlock([incidentContext(alert)], warn));

  const fallback = [
    mention,
    `${emoji} ${escapeMrkdwn(alert.title)}`,
    codeLine(event.type, eventName, 'plain'),
    running ? `seen ${running.count} times` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');

  return {
    channel: alert.channel ?? context.defaultChannel,
    text: fitText(fallback, SLACK_LIMITS.fallbackText, 'fallback text', warn),
    blocks: fitBlocks(blocks, warn),
    metadata: alertMetadata(alert),
  };
}

/**
 * The burst, each fact once: how many (and of which codes) within the window,
 * for which group, against which threshold; then who and from where, unless
 * the group already says it.
 */
function thresholdSection(alert: Alert, intro: readonly string[], running: RunningCount | undefined, warn: LimitWarning | undefined): Block {
  const threshold = alert.threshold!;
  const counted = threshold.distinct
    ? `*${threshold.distinctCount ?? threshold.count} distinct ${escapeMrkdwn(threshold.distinct)}* values in *${countText(alert.count)} events*`
    : `*${countText(alert.count)} events*`;
  const codes = alert.top?.codes?.length ? ` (${alert.top.codes.map((code) => `${codeText(code.value)} ×${countText(code.count)}`).join(', ')})` : '';
  const group = threshold.groupBy.length > 0 ? ` for ${groupText(alert.group)}` : '';
  const lines = [...intro, `${counted}${codes} within ${escapeMrkdwn(threshold.window)}${group} — threshold ${threshold.count}`];
  if (alert.suppressed > 0) lines.push(`${alert.suppressed} more were suppressed in this group's previous incident`);
  const grouped = new Set(threshold.groupBy);
  const fields = [
    // On the updated parent the running total: the channel reader sees the current size without opening the thread.
    running ? `*So far*\n${countText(alert.count)} → now ${countText(running.count)} (thread)` : undefined,
    grouped.has('user_name') || grouped.has('user_id') ? undefined : `*Top users*\n${topList(alert.top?.users)}`,
    grouped.has('ip') ? undefined : `*Top IPs*\n${topList(alert.top?.ips)}`,
  ];
  // The values counted, when they are neither the users nor the IPs already listed (e.g. user agents of a token family).
  if (threshold.distinct && alert.top?.values && !/^(user_name|user_id|ip)$/.test(threshold.distinct)) {
    fields.push(`*Top ${escapeMrkdwn(threshold.distinct)}*\n${topList(alert.top.values)}`);
  }
  return sectionBlock(lines.join('\n'), fields, warn);
}

/** Where the log ids this message's metadata cannot hold are (an alert of more than MAX_LOG_IDS events). */
function inThreadLine(alert: Alert): string | undefined {
  const elsewhere = logIdsInReplies(alert);
  if (elsewhere === 0) return undefined;
  const replies = alertMessageCount(alert) - 1;
  return `The log ids of ${countText(elsewhere)} of these events are listed in ${replies} repl${replies === 1 ? 'y' : 'ies'} in this thread.`;
}

/** How many events the alert counts without their log ids (a distinct window folded a flood past its bound). */
function unlistedLine(alert: Alert): string | undefined {
  // Only a distinct window counts events it does not list (the engine's other alerts list each event they count).
  const unlisted = alert.threshold?.distinct ? unlistedEvents(alert) : 0;
  if (unlisted === 0) return undefined;
  return `${countText(unlisted)} of these events are counted without their log ids: an alert keeps at most ${countText(MAX_ALERT_LOG_IDS)} of a flood's log ids, and no message lists the others.`;
}

export function incidentContext(alert: Pick<Alert, 'ruleId' | 'incident' | 'firstDate' | 'lastDate'>): string {
  const span =
    alert.firstDate === alert.lastDate ? slackDate(alert.firstDate) : `${slackDate(alert.firstDate)} – ${slackDate(alert.lastDate)}`;
  // The incident id stays in the metadata: a long opaque id helps no reader.
  return `Rule ${codeText(alert.ruleId)} · ${span}`;
}

/**
 * A critical rule calls the channel (`@here`) unless it names its own mention,
 * or opts out with `mention: none`.
 */
export function effectiveMention(alert: Pick<Alert, 'mention' | 'severity'>): string | undefined {
  if (alert.mention !== undefined) return alert.mention;
  return alert.severity === 'critical' ? 'here' : undefined;
}
