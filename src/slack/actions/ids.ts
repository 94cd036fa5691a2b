import { MUTE_DURATIONS, type MuteDuration, type MuteScope } from '../../state/controls.js';
import { SLACK_LIMITS } from '../limits.js';

/** The `action_id`s of the alert's interactive elements (the link buttons are `open_*`). */
export const ACTION_IDS = {
  acknowledge: 'incident_acknowledge',
  resolve: 'incident_resolve',
  mute: 'incident_mute',
  /** A digest's "Mute rule" menu. */
  muteRule: 'digest_mute_rule',
} as const;

/**
 * The actions block names what it acts on in its `block_id` (up to 255
 * characters): `incident:<incident id>` or `digest:<first outbox row id>`.
 * Slack signs the payload, so the value comes back as we wrote it.
 */
const INCIDENT_PREFIX = 'incident:';
const DIGEST_PREFIX = 'digest:';

export function incidentBlockId(incident: string): string | undefined {
  const id = INCIDENT_PREFIX + incident;
  return id.length <= SLACK_LIMITS.actionId ? id : undefined;
}

export function digestBlockId(firstRowId: number): string {
  return DIGEST_PREFIX + String(firstRowId);
}

export type ActionSubject = { incident: string } | { digestRowId: number };

export function parseBlockId(blockId: string | undefined): ActionSubject | undefined {
  if (!blockId) return undefined;
  if (blockId.startsWith(INCIDENT_PREFIX) && blockId.length > INCIDENT_PREFIX.length) return { incident: blockId.slice(INCIDENT_PREFIX.length) };
  if (blockId.startsWith(DIGEST_PREFIX)) {
    const id = Number(blockId.slice(DIGEST_PREFIX.length));
    if (Number.isSafeInteger(id) && id > 0) return { digestRowId: id };
  }
  return undefined;
}

/** A Mute menu option's value: `<duration>:<scope>`, e.g. `4h:group`. */
export function muteOptionValue(duration: MuteDuration, scope: MuteScope): string {
  return `${duration}:${scope}`;
}

export function parseMuteOption(value: string | undefined): { duration: MuteDuration; durationMs: number; scope: MuteScope } | undefined {
  const match = /^(1h|4h|24h|7d):(group|rule)$/.exec(value ?? '');
  if (!match) return undefined;
  const duration = match[1] as MuteDuration;
  return { duration, durationMs: MUTE_DURATIONS[duration], scope: match[2] as MuteScope };
}

export const MUTE_LABELS: Record<MuteDuration, string> = { '1h': '1 hour', '4h': '4 hours', '24h': '24 hours', '7d': '7 days' };

/** "1 hour" for a known duration, else hours or days. */
export function durationText(ms: number): string {
  const known = (Object.entries(MUTE_DURATIONS) as Array<[MuteDuration, number]>).find(([, value]) => value === ms);
  if (known) return MUTE_LABELS[known[0]];
  const hours = Math.round(ms / 3_600_000);
  return hours % 24 === 0 ? `${hours / 24} days` : `${hours} hours`;
}
