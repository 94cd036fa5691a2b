import type { Alert, TravelPoint } from '../engine/alert.js';
import { sectionBlock, type Block } from './blocks.js';
import { applicationField, countText, escapeMrkdwn, groupText, ipField, slackDate, timeField, topList, userAgentText, userField } from './event-fields.js';
import type { LimitWarning } from './limits.js';

/** Sections of the alert kinds beyond matches and thresholds; every value from an event is escaped. */

const NONE = '–';
const text = (value: string | null | undefined): string => (value ? escapeMrkdwn(value) : NONE);
const number = countText;

function span(first: string | undefined, last: string | undefined): string {
  if (!first || !last) return NONE;
  return first === last ? slackDate(first) : `${slackDate(first)} – ${slackDate(last)}`;
}

/** A completed sequence: the headline, then one section per step (the last one names who logged in, from where, into what). */
export function sequenceSections(alert: Alert, intro: readonly string[], warn: LimitWarning | undefined): Block[] {
  const sequence = alert.sequence!;
  const lines = [...intro, `*Every step within ${escapeMrkdwn(sequence.within)}* for ${groupText(alert.group)}`];
  if (alert.suppressed > 0) lines.push(`${alert.suppressed} more were suppressed in this group's previous incident`);
  const blocks = [sectionBlock(lines.join('\n'), [], warn)];
  sequence.steps.forEach((step, index) => {
    const distinct = step.distinct ? ` · ${number(step.distinct.count)} distinct ${escapeMrkdwn(step.distinct.field)}` : '';
    const heading = `*${index + 1}. ${escapeMrkdwn(step.name)}* · ${number(step.count)} event${step.count === 1 ? '' : 's'}${distinct} · ${span(step.firstDate, step.lastDate)}`;
    const last = step.last;
    const fields = last
      ? [
          `*User*\n${text(last.user)}`,
          `*IP address*\n${last.place ? `${text(last.ip)} (${escapeMrkdwn(last.place)})` : text(last.ip)}`,
          `*Application*\n${text(last.application)}`,
          `*Time*\n${slackDate(last.date)}`,
          // Absent when the login was held from before user agents were kept: nothing to show rather than a wrong "none".
          last.userAgent === undefined ? undefined : `*User agent*\n${userAgentText(last.userAgent)}`,
        ]
      : [`*Top IPs*\n${topList(step.ips)}`, `*Top users*\n${topList(step.users)}`];
    blocks.push(sectionBlock(heading, fields, warn));
  });
  return blocks;
}

/** One login of the journey: place, IP, time and device (compared across the two: Chrome on macOS, then python-requests). */
function placeText(point: TravelPoint): string {
  return [point.place ? escapeMrkdwn(point.place) : 'unknown place', `${text(point.ip)}`, slackDate(point.date), agentLine(point.userAgent)].join('\n');
}

function agentLine(agent: string | null | undefined): string {
  // undefined: the earlier login came from a profile stored before user agents were kept.
  if (agent === undefined) return '_user agent not recorded_';
  return agent === null ? '_no user agent_' : userAgentText(agent);
}

function durationText(from: string, to: string): string {
  const minutes = Math.round((Date.parse(to) - Date.parse(from)) / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** An impossible journey: both places and times, the distance and the implied speed. */
export function travelSection(alert: Alert, intro: readonly string[], warn: LimitWarning | undefined): Block {
  const travel = alert.travel!;
  const speed = travel.speedKmh === null ? 'at the same moment' : `in ${durationText(travel.from.date, travel.to.date)} → *${number(travel.speedKmh)} km/h*`;
  const lines = [
    ...intro,
    `*${number(travel.distanceKm)} km* ${speed} (alerts above ${number(travel.minDistanceKm)} km at ${number(travel.minSpeedKmh)} km/h) for ${groupText(alert.group)}`,
  ];
  if (alert.suppressed > 0) lines.push(`${alert.suppressed} more were suppressed in this group's previous incident`);
  return sectionBlock(lines.join('\n'), [`*From*\n${placeText(travel.from)}`, `*To*\n${placeText(travel.to)}`, userField(alert.event), applicationField(alert.event)], warn);
}

/** A value never seen for the key: the value, what was known, since when. */
export function newValueSection(alert: Alert, intro: readonly string[], warn: LimitWarning | undefined): Block {
  const seen = alert.newValue!;
  const known = seen.known.length > 0 ? seen.known.map(escapeMrkdwn).join(', ') : NONE;
  const more = seen.knownCount > seen.known.length ? ` (+${seen.knownCount - seen.known.length} more)` : '';
  const lines = [
    ...intro,
    `*New ${escapeMrkdwn(seen.field)}* for ${groupText(alert.group)}: *${escapeMrkdwn(seen.value)}*`,
    `Seen before: ${known}${more} · known since ${slackDate(seen.since)}`,
  ];
  if (alert.suppressed > 0) lines.push(`${alert.suppressed} more were suppressed in this group's previous incident`);
  return sectionBlock(lines.join('\n'), [userField(alert.event), ipField(alert.event), applicationField(alert.event), timeField(alert.event)], warn);
}
