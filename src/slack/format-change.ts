import type { Alert } from '../engine/alert.js';
import { sectionBlock, type Block } from './blocks.js';
import { escapeMrkdwn } from './event-fields.js';
import type { LimitWarning } from './limits.js';

/** Who called the Management API: a dashboard user (email, else name / id) or a machine-to-machine client. */
function actorText(actor: NonNullable<Alert['change']>['actor']): string | undefined {
  if (actor.email || actor.name) {
    const who = escapeMrkdwn(actor.email ?? actor.name!);
    return actor.userId ? `${who} (${escapeMrkdwn(actor.userId)})` : who;
  }
  if (actor.userId) return escapeMrkdwn(actor.userId);
  if (actor.clientId) return `application ${escapeMrkdwn(actor.clientId)} (machine to machine)`;
  return undefined;
}

/**
 * A `sapi` alert's "what changed": the call (method and path), the settings
 * sent (`enabled: false` on breached password detection…) and who made it.
 * Undefined when the log carried no request details.
 */
export function changeSection(alert: Alert, warn: LimitWarning | undefined): Block | undefined {
  const change = alert.change;
  if (!change) return undefined;
  const call = [change.method, change.path].filter(Boolean).map((part) => `\`${escapeMrkdwn(part!).replace(/`/g, "'")}\``).join(' ');
  const settings = change.fields.map(({ key, value }) => `• ${escapeMrkdwn(key)}: ${escapeMrkdwn(value)}`);
  if (change.more > 0) settings.push(`• … and ${change.more} more`);
  const lines = [
    '*What changed*',
    call ? `${call}` : undefined,
    settings.length > 0 ? settings.join('\n') : '_no settings in the request body_',
  ].filter((line): line is string => !!line);
  const who = actorText(change.actor);
  return sectionBlock(lines.join('\n'), [who ? `*Changed by*\n${who}` : undefined], warn);
}
