import type { Problem } from '../state/store.js';
import { contextBlock, fitBlocks, sectionBlock } from './blocks.js';
import { escapeMrkdwn } from './escape.js';
import { SLACK_LIMITS, fitText } from './limits.js';

/**
 * The metadata of a message the bot posts about itself (CONTRACT.md: "Messages
 * the bot posts about itself"). Never `log_ids`: tools counting alerts read
 * only `auth0_log_alert` messages.
 */
export interface NoticeMetadata {
  event_type: 'auth0_log_alerts_notice';
  event_payload: {
    kind: Problem['kind'];
    /** The tenant the problem belongs to; null for problems of the bot as a whole (a dead channel, an outbox backing up). */
    tenant: string | null;
    /** A dead channel's notice: the channel alerts cannot be posted to (the notice itself goes to a working one). */
    channel?: string;
    /** The problem's key: the notice and its "resolved" reply share it. */
    problem: string;
    state: 'open' | 'resolved';
    opened_at: string;
    resolved_at?: string;
  };
}

export interface NoticeMessage {
  channel: string;
  text: string;
  blocks: unknown[];
  metadata: NoticeMetadata;
  thread_ts?: string;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/** A dead channel's problem key is this and the channel (src/slack/sender.ts). */
const DEAD_CHANNEL_PREFIX = 'dead_channel:';

const TITLES: Record<Problem['kind'], string> = {
  polling_failing: 'Polling Auth0 is failing',
  log_gap: 'Auth0 logs were lost before the bot read them',
  dead_channel: 'Alerts cannot be posted to a channel',
  outbox_backlog: 'Alerts are waiting to be posted',
  stream_silent: 'The Auth0 log stream is silent',
};

/** The notice when a problem opens (a channel message), or its "resolved" thread reply. */
export function formatNotice(problem: Problem, which: 'open' | 'resolved', channel: string, now: Date): NoticeMessage {
  const summary = escapeMrkdwn(problem.summary);
  const tenant = problem.tenant ? ` · tenant ${escapeMrkdwn(problem.tenant)}` : '';
  const text =
    which === 'open'
      ? `:warning: auth0-log-alerts: ${TITLES[problem.kind]} — ${summary}`
      : `:white_check_mark: Resolved: ${TITLES[problem.kind].toLowerCase()} (open since ${problem.openedAt})`;
  const blocks = fitBlocks([
    sectionBlock(which === 'open' ? `:warning: *${TITLES[problem.kind]}*\n${summary}` : `:white_check_mark: *Resolved* — ${summary}`, []),
    contextBlock([`auth0-log-alerts about itself${tenant} · since ${problem.openedAt}${which === 'resolved' ? ` · resolved ${now.toISOString()}` : ''}`]),
  ]);
  return {
    channel,
    text: fitText(text, SLACK_LIMITS.fallbackText, 'fallback text'),
    blocks,
    metadata: {
      event_type: 'auth0_log_alerts_notice',
      event_payload: {
        kind: problem.kind,
        tenant: problem.tenant,
        ...(problem.kind === 'dead_channel' ? { channel: problem.key.slice(DEAD_CHANNEL_PREFIX.length) } : {}),
        problem: problem.key,
        state: which,
        opened_at: problem.openedAt,
        ...(which === 'resolved' ? { resolved_at: now.toISOString() } : {}),
      },
    },
    ...(which === 'resolved' && problem.noticeTs ? { thread_ts: problem.noticeTs } : {}),
    unfurl_links: false,
    unfurl_media: false,
  };
}
