import type { EventSummary } from '../auth0/log-event.js';
import type { Severity, TopValue } from '../engine/alert.js';
import { NO_VALUE } from './blocks.js';
import { escapeEntities, escapeMrkdwn } from './escape.js';

/**
 * One formatter for the process: Number#toLocaleString('en-US') built a new ICU number formatter
 * on every call. Built on first use: building it loads ICU data (~15 ms), which a command that
 * formats no message (`replay` of a quiet file, `rules check`) should not pay at import.
 */
let enUsNumber: Intl.NumberFormat | undefined;

/** A number as en-US writes it (12,345), exactly as Number#toLocaleString('en-US'). */
export function countText(count: number): string {
  enUsNumber ??= new Intl.NumberFormat('en-US');
  return enUsNumber.format(count);
}

/** Pieces of a message derived from a log event; every event value passes through escapeMrkdwn. */

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: '🚨',
  high: '🔴',
  medium: '🟠',
  low: '🟡',
  info: 'ℹ️',
};

const NONE = NO_VALUE;

function text(value: string | null | undefined): string {
  return value ? escapeMrkdwn(value) : NONE;
}

function field(label: string, value: string): string {
  return `*${label}*\n${value}`;
}

/** `label`: "Latest user" on threshold alerts, where this event is one of many. */
export function userField(event: EventSummary, label = 'User'): string {
  const name = event.user_name || undefined;
  const id = event.user_id || undefined;
  if (name && id && name !== id) return field(label, `${escapeMrkdwn(name)}\n${escapeMrkdwn(id)}`);
  return field(label, text(name ?? id));
}

export function ipField(event: EventSummary, label = 'IP address'): string {
  const location = event.location_info;
  const place = [location?.city_name, location?.country_name ?? location?.country_code].filter(Boolean).join(', ');
  const ip = text(event.ip);
  return field(label, place ? `${ip} (${escapeMrkdwn(place)})` : ip);
}

/** Clients that are scripts, not browsers: in a login failure, the tell of an automated attack. */
const SCRIPTED_CLIENT = /python-requests|python-urllib|aiohttp|\bcurl\/|wget|go-http-client|okhttp|axios|node-fetch|undici|java\/|apache-httpclient|libwww-perl|scrapy|httpx|postmanruntime/i;

/** A user agent, escaped, with the script tell on its own line; NONE when there is none. */
export function userAgentText(agent: string | null | undefined): string {
  if (!agent) return NONE;
  return `${escapeMrkdwn(agent)}${SCRIPTED_CLIENT.test(agent) ? '\n_a script, not a browser_' : ''}`;
}

export function userAgentField(event: EventSummary, label = 'User agent'): string {
  return field(label, userAgentText(event.user_agent));
}

export function applicationField(event: EventSummary): string {
  return field('Application', text(event.client_name ?? event.client_id));
}

export function connectionField(event: EventSummary): string {
  return field('Connection', text(event.connection));
}

/** Slack renders the date token in the reader's time zone; the fallback is UTC ISO. */
export function slackDate(isoDate: string): string {
  const ms = Date.parse(isoDate);
  if (Number.isNaN(ms)) return escapeMrkdwn(isoDate);
  const iso = new Date(ms).toISOString();
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${iso}>`;
}

export function timeField(event: EventSummary): string {
  return field('Time', slackDate(event.date));
}

/** `value ×count` list, one per line, values escaped. */
export function topList(values: readonly TopValue[] | undefined, limit = 5): string {
  if (!values || values.length === 0) return NONE;
  return values
    .slice(0, limit)
    .map((top) => `${escapeMrkdwn(top.value)} ×${top.count}`)
    .join('\n');
}

/**
 * Top users, and how many events had no user at all — in italics and in words, so it never
 * reads as a user (a real user may be called "unknown").
 */
export function topUsersList(users: readonly TopValue[] | undefined, withoutUser: number, limit = 5): string {
  const none = withoutUser > 0 ? `_${countText(withoutUser)} event${withoutUser === 1 ? '' : 's'} with no user name_` : undefined;
  if (!users || users.length === 0) return none ?? NONE;
  return none ? `${topList(users, limit)}\n${none}` : topList(users, limit);
}

export function groupText(group: Record<string, string | null>): string {
  const entries = Object.entries(group);
  if (entries.length === 0) return 'all events';
  return entries.map(([key, value]) => `${escapeMrkdwn(key)}=${value === null ? NONE : escapeMrkdwn(value)}`).join(', ');
}

/**
 * The rule's `mention` as a Slack token. Rules are configuration, not log data,
 * but an unrecognised value is dropped rather than passed through raw.
 */
export function mentionToken(mention: string | undefined): string | undefined {
  if (!mention) return undefined;
  const value = mention.trim().replace(/^@/, '');
  if (/^(here|channel|everyone)$/i.test(value)) return `<!${value.toLowerCase()}>`;
  if (/^S[A-Z0-9]{2,}$/.test(value)) return `<!subteam^${value}>`;
  if (/^[UW][A-Z0-9]{2,}$/.test(value)) return `<@${value}>`;
  return undefined;
}

export interface Dashboard {
  region: string;
  tenant: string;
}

/** The user's page in the Auth0 dashboard (its path carries the user id URI-encoded, then base64). */
export function auth0UserUrl(dashboard: Dashboard | undefined, userId: string | undefined): string | undefined {
  if (!dashboard || !userId) return undefined;
  try {
    const id = Buffer.from(encodeURIComponent(userId)).toString('base64');
    return `https://manage.auth0.com/dashboard/${encodeURIComponent(dashboard.region)}/${encodeURIComponent(dashboard.tenant)}/users/${id}`;
  } catch {
    return undefined; // a user id no URL can carry (a lone surrogate): no button rather than no alert
  }
}

export function auth0LogUrl(dashboard: Dashboard | undefined, logId: string | undefined): string | undefined {
  if (!dashboard || !logId) return undefined;
  const parts = [dashboard.region, dashboard.tenant, 'logs', logId].map(encodeURIComponent);
  return `https://manage.auth0.com/dashboard/${parts.join('/')}`;
}

/** Rule-provided text (title, description) is escaped too: titles are rendered over event fields. */
export { escapeMrkdwn, escapeEntities };
