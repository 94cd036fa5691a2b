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
    /**
     * The tenant the problem concerns: its own (polling, a log gap, a silent stream), the tenant whose alert
     * found a channel dead, the only tenant configured — else ALL_TENANTS for a problem of the bot as a whole.
     */
    tenant: string;
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

/**
 * A notice's `tenant` when it concerns the whole bot (an outbox backing up, a
 * dead channel several tenants' alerts found, with several tenants configured):
 * never a tenant's name (names are letters, digits, `._-`; hosts too), never
 * null — a tool filtering on `tenant` compares strings.
 */
export const ALL_TENANTS = '*';

/** Who a problem of the bot as a whole concerns: the only tenant configured, else every tenant. */
export function wholeBotTenant(tenants: readonly string[]): string {
  return tenants.length === 1 ? tenants[0]! : ALL_TENANTS;
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
  const tenant = problem.tenant && problem.tenant !== ALL_TENANTS ? ` · tenant ${escapeMrkdwn(problem.tenant)}` : '';
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
        // A problem stored without one (by an older version, still open) concerns the whole bot.
        tenant: problem.tenant ?? ALL_TENANTS,
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
