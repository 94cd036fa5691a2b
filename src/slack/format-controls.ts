import type { Alert } from '../engine/alert.js';
import { MUTE_DURATIONS, type IncidentControls, type Mute, type MuteDuration, type MuteScope } from '../state/controls.js';
import { ACTION_IDS, MUTE_LABELS, durationText, muteOptionValue } from './actions/ids.js';
import { plainText, type Block } from './blocks.js';
import { escapeMrkdwn, groupText, slackDate } from './event-fields.js';
import { SLACK_LIMITS, type LimitWarning } from './limits.js';

/**
 * What an incident's message shows of Acknowledge / Resolve / Mute: a state
 * line, an emoji by state, and the buttons that can still change it.
 */

/** Slack option-group labels and placeholders are at most 75 / 150 characters (Block Kit reference). */
const OPTION_GROUP_LABEL_MAX = 75;
const PLACEHOLDER_MAX = 150;

/** A Slack user id as a mention; anything else (never expected from a signed payload) as plain text. */
export function userMention(id: string | null | undefined): string {
  if (!id) return 'the bot';
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : escapeMrkdwn(id);
}

/** The header's leading emoji: the incident's state when someone acted on it, else its severity's. */
export function stateEmoji(controls: IncidentControls | undefined): string | undefined {
  if (controls?.resolvedBy) return '✅';
  if (controls && controls.mutes.length > 0) return '🔕';
  if (controls?.ackedBy) return '👀';
  return undefined;
}

export function muteScopeText(mute: Pick<Mute, 'group'>): string {
  return mute.group ? `this group (${groupText(mute.group)})` : 'the whole rule';
}

/** One line per fact: "Acknowledged by @jane · 10:32", "Muted … until …". */
export function controlsLines(controls: IncidentControls | undefined): string[] {
  if (!controls) return [];
  const lines: string[] = [];
  if (controls.resolvedBy) lines.push(`✅ *Resolved* by ${userMention(controls.resolvedBy)} · ${slackDate(controls.resolvedAt!)} — the next match opens a new incident`);
  if (controls.ackedBy) lines.push(`👀 *Acknowledged* by ${userMention(controls.ackedBy)} · ${slackDate(controls.ackedAt!)}`);
  for (const mute of controls.mutes) {
    lines.push(
      `🔕 *Muted* ${muteScopeText(mute)} by ${userMention(mute.createdBy)} for ${durationText(mute.durationMs)} (until ${slackDate(mute.wallUntil)}, mute ${mute.id}) — events are still counted and reported when it ends`,
    );
  }
  return lines;
}

/** The interactive elements for an incident's message: none once resolved (a new incident gets new buttons). */
export function incidentActionElements(alert: Pick<Alert, 'group'>, controls: IncidentControls | undefined, warn?: LimitWarning): Block[] {
  if (controls?.resolvedBy) return [];
  const elements: Block[] = [];
  if (!controls?.ackedBy) {
    elements.push({ type: 'button', action_id: ACTION_IDS.acknowledge, style: 'primary', text: plainText('Acknowledge', SLACK_LIMITS.buttonText, 'button text', warn) });
  }
  elements.push({ type: 'button', action_id: ACTION_IDS.resolve, text: plainText('Resolve', SLACK_LIMITS.buttonText, 'button text', warn) });
  const scopes: MuteScope[] = Object.keys(alert.group).length > 0 ? ['group', 'rule'] : ['rule'];
  elements.push(muteMenu(ACTION_IDS.mute, scopes, warn));
  return elements;
}

/** A digest stands for many incidents of one rule: its only action is muting the rule. */
export function digestActionElements(warn?: LimitWarning): Block[] {
  return [muteMenu(ACTION_IDS.muteRule, ['rule'], warn)];
}

function muteMenu(actionId: string, scopes: readonly MuteScope[], warn?: LimitWarning): Block {
  const labels: Record<MuteScope, string> = { group: 'Mute this group', rule: 'Mute the whole rule' };
  return {
    type: 'static_select',
    action_id: actionId,
    placeholder: plainText(scopes.length === 1 && scopes[0] === 'rule' ? 'Mute rule…' : 'Mute…', PLACEHOLDER_MAX, 'placeholder', warn),
    option_groups: scopes.map((scope) => ({
      label: plainText(labels[scope], OPTION_GROUP_LABEL_MAX, 'option group label', warn),
      options: (Object.keys(MUTE_DURATIONS) as MuteDuration[]).map((duration) => ({
        text: plainText(`for ${MUTE_LABELS[duration]}`, SLACK_LIMITS.buttonText, 'option text', warn),
        value: muteOptionValue(duration, scope),
      })),
    })),
  };
}
