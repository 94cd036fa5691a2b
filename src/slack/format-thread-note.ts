import type { ThreadNote } from '../state/controls.js';
import { durationText } from './actions/ids.js';
import { contextBlock, fitBlocks, sectionBlock } from './blocks.js';
import { slackDate } from './event-fields.js';
import { muteScopeText, userMention } from './format-controls.js';
import { SLACK_LIMITS, fitText } from './limits.js';

/**
 * A thread reply about an incident that reports no log event: the audit line
 * of an Acknowledge / Resolve / Mute, or a mute's end when it held nothing in
 * this thread. Notice metadata (CONTRACT.md), never `log_ids`: tools counting
 * alerts read only `auth0_log_alert` messages.
 */
export interface ThreadNoteMessage {
  channel: string;
  thread_ts?: string;
  text: string;
  blocks: unknown[];
  metadata: {
    event_type: 'auth0_log_alerts_notice';
    event_payload: {
      kind: ThreadNote['kind'];
      tenant: string;
      incident: string;
      user: string | null;
      at: string;
      mute?: { id: number; scope: 'group' | 'rule'; until: string; wall_until: string; duration_ms: number; held: number };
      released_alerts?: number;
    };
  };
  unfurl_links: false;
  unfurl_media: false;
}

export function formatThreadNote(note: ThreadNote): ThreadNoteMessage {
  const line = noteLine(note);
  const mute = note.mute;
  const message: ThreadNoteMessage = {
    channel: note.channel,
    text: fitText(line, SLACK_LIMITS.fallbackText, 'fallback text'),
    blocks: fitBlocks([sectionBlock(line, []), contextBlock([`auth0-log-alerts · audit trail of this incident · ${slackDate(note.at)}`])]),
    metadata: {
      event_type: 'auth0_log_alerts_notice',
      event_payload: {
        kind: note.kind,
        tenant: note.tenant,
        incident: note.incident,
        user: note.user,
        at: note.at,
        ...(mute
          ? { mute: { id: mute.id, scope: mute.group ? ('group' as const) : ('rule' as const), until: mute.until, wall_until: mute.wallUntil, duration_ms: mute.durationMs, held: mute.held } }
          : {}),
        ...(note.kind === 'mute_ended' || note.kind === 'unmute' ? { released_alerts: note.releasedAlerts } : {}),
      },
    },
    unfurl_links: false,
    unfurl_media: false,
  };
  if (note.threadTs) message.thread_ts = note.threadTs;
  return message;
}

function noteLine(note: ThreadNote): string {
  const who = userMention(note.user);
  const mute = note.mute;
  switch (note.kind) {
    case 'acknowledge':
      return `👀 *Acknowledged* by ${who} — they are on it`;
    case 'resolve':
      return `✅ *Resolved* by ${who} — the next match opens a new incident (a new message)`;
    case 'mute':
    case 'mute_extended': {
      if (!mute) return `🔕 *Muted* by ${who}`;
      const what = note.kind === 'mute' ? `*Muted* ${muteScopeText(mute)}` : `*Mute ${mute.id} changed*: ${muteScopeText(mute)}`;
      return (
        `🔕 ${what} by ${who} for ${durationText(mute.durationMs)}, until ${slackDate(mute.wallUntil)} (mute ${mute.id}). ` +
        'Matching events are still evaluated and counted but not posted; when the mute ends, what it held back is reported in this thread. ' +
        `\`/logcode unmute ${mute.id}\` ends it early.`
      );
    }
    case 'unmute':
    case 'mute_ended': {
      const how = note.kind === 'unmute' ? `ended by ${who}` : 'ended';
      const released = note.releasedAlerts > 0 ? ` ${note.releasedAlerts} incident${note.releasedAlerts === 1 ? '' : 's'} that opened during the mute ${note.releasedAlerts === 1 ? 'is' : 'are'} posted as new alerts.` : '';
      const here = note.heldEvents > 0 ? ` ${note.heldEvents} held-back event${note.heldEvents === 1 ? ' is' : 's are'} reported in ${note.heldEvents === 1 ? 'its' : 'their'} incident threads.` : '';
      const nothing = note.heldEvents === 0 && note.releasedAlerts === 0 ? ' Nothing matched while it held.' : '';
      return `🔔 *Mute ${mute?.id ?? ''} ${how}*${mute ? ` (${muteScopeText(mute)})` : ''}.${nothing}${released}${here}`.replace('Mute  ', 'Mute ');
    }
  }
}
