import type { Mute } from '../state/controls.js';
import { durationText } from './actions/ids.js';
import { escapeMrkdwn, slackDate } from './event-fields.js';
import { muteScopeText, userMention } from './format-controls.js';
import { listBlocks, reply, section, type LogcodeReply } from './logcode-render.js';

/** `/logcode mutes`: every active mute, with what ends it. */
export function renderMutes(mutes: readonly Mute[], command: string): LogcodeReply {
  if (mutes.length === 0) return reply('No active mutes.', [section('*No active mutes* — every alert is posted.')]);
  const lines = mutes.map(
    (mute) =>
      `• *Mute ${mute.id}* — rule \`${escapeMrkdwn(mute.ruleId)}\`, ${muteScopeText(mute)}, tenant ${escapeMrkdwn(mute.tenant)} · by ${userMention(mute.createdBy)} for ${durationText(mute.durationMs)}, until ${slackDate(mute.wallUntil)} · ${mute.held} event${mute.held === 1 ? '' : 's'} held back so far`,
  );
  return reply(`${mutes.length} active mute(s)`, [
    section(`*${mutes.length} active mute${mutes.length === 1 ? '' : 's'}* — held-back events are reported when a mute ends. \`${command} unmute &lt;id&gt;\` ends one now.`),
    ...listBlocks(lines, 1),
  ]);
}

export function renderUnmuted(mute: Mute): LogcodeReply {
  return reply(`Mute ${mute.id} ended.`, [
    section(`🔔 *Mute ${mute.id} ended* (rule \`${escapeMrkdwn(mute.ruleId)}\`, ${muteScopeText(mute)}). ${mute.held} held-back event${mute.held === 1 ? ' is' : 's are'} reported in the incident thread.`),
  ]);
}

export function renderUnmuteProblem(text: string): LogcodeReply {
  return reply(text, [section(text)]);
}
