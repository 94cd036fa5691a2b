import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { formatAlert } from '../../src/slack/format.js';
import { blockKitViolations, fakeCatalog, liveMrkdwn, makeAlert, messageTexts } from '../helpers/slack-fixtures.js';

// The sections of the newer alert kinds: what the message must say, within
// Block Kit limits, with every value from the logs escaped.
const context = { catalog: fakeCatalog(), defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' } };
const HOSTILE = '<!channel> *x* <https://evil.example|click> @here _i_ ~s~ `c`';
const text = (message: unknown) => messageTexts(message).map((one) => one.text).join('\n');

function sequenceAlert(value = 'alice@example.com', place = 'Lagos, Nigeria', userAgent?: string | null): Alert {
  return makeAlert({
    ruleId: 'password-guessed',
    reason: 'sequence_completed',
    title: 'Password guessed?',
    group: { user_id: value },
    count: 6,
    firstDate: '2024-01-01T00:00:00.000Z',
    lastDate: '2024-01-01T00:04:00.000Z',
    sequence: {
      within: '10m',
      steps: [
        {
          name: 'failed logins',
          count: 5,
          firstDate: '2024-01-01T00:00:00.000Z',
          lastDate: '2024-01-01T00:02:00.000Z',
          users: [{ value, count: 5 }],
          ips: [{ value: '203.0.113.8', count: 3 }, { value, count: 2 }],
        },
        {
          name: 'successful login',
          count: 1,
          firstDate: '2024-01-01T00:04:00.000Z',
          lastDate: '2024-01-01T00:04:00.000Z',
          users: [{ value, count: 1 }],
          ips: [{ value: '198.51.100.23', count: 1 }],
          last: { date: '2024-01-01T00:04:00.000Z', user: value, ip: '198.51.100.23', place, application: value, ...(userAgent === undefined ? {} : { userAgent }) },
        },
      ],
    },
  });
}

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0';

function travelAlert(place = 'Sydney, Australia', agents: { from?: string | null; to?: string | null } = {}): Alert {
  return makeAlert({
    ruleId: 'impossible-travel',
    reason: 'impossible_travel',
    title: 'Impossible travel',
    group: { user_id: 'auth0|alice' },
    travel: {
      from: { date: '2024-01-01T00:00:00.000Z', ip: '198.51.100.7', place: 'Amsterdam, Netherlands', latitude: 52.37, longitude: 4.9, ...('from' in agents ? { userAgent: agents.from } : {}) },
      to: { date: '2024-01-01T01:30:00.000Z', ip: '203.0.113.50', place, latitude: -33.87, longitude: 151.21, ...('to' in agents ? { userAgent: agents.to } : {}) },
      distanceKm: 16_640,
      speedKmh: 11_093,
      minDistanceKm: 500,
      minSpeedKmh: 1_000,
    },
  });
}

function newValueAlert(value = 'DE'): Alert {
  return makeAlert({
    ruleId: 'new-country',
    reason: 'new_value',
    title: 'New country',
    group: { user_id: 'auth0|alice' },
    newValue: { field: 'location_info.country_code', value, known: ['NL', value === 'DE' ? 'FR' : value], knownCount: 12, since: '2023-12-01T00:00:00.000Z' },
  });
}

describe('messages of the newer alert kinds', () => {
  it('a sequence shows every step: the failures (count, first/last time, top IPs) and who logged in, from where, into what', () => {
    const message = formatAlert(sequenceAlert(), context);
    expect(blockKitViolations(message)).toEqual([]);
    const all = text(message);
    expect(all).toContain('*Every step within 10m* for user_id=alice@example.com');
    expect(all).toContain('*1. failed logins* · 5 events · <!date^1704067200^');
    expect(all).toContain('*Top IPs*\n203.0.113.8 ×3');
    expect(all).toContain('*2. successful login* · 1 event');
    expect(all).toContain('*IP address*\n198.51.100.23 (Lagos, Nigeria)');
    expect(all).toContain('*Application*\nalice@example.com');
  });

  it('an impossible journey names both places and times, the distance and the speed', () => {
    const message = formatAlert(travelAlert(), context);
    expect(blockKitViolations(message)).toEqual([]);
    const all = text(message);
    expect(all).toContain('*16,640 km* in 1 h 30 min → *11,093 km/h* (alerts above 500 km at 1,000 km/h)');
    expect(all).toContain('*From*\nAmsterdam, Netherlands\n198.51.100.7\n<!date^1704067200^');
    expect(all).toContain('*To*\nSydney, Australia\n203.0.113.50\n<!date^1704072600^');
  });

  it("an impossible journey shows both logins' user agents, the scripted one pointed out", () => {
    const all = text(formatAlert(travelAlert('Sydney, Australia', { from: CHROME_MAC, to: 'python-requests/2.31.0' }), context));
    expect(all).toContain(`*From*\nAmsterdam, Netherlands\n198.51.100.7\n<!date^1704067200^{date_short_pretty} {time_secs}|2024-01-01T00:00:00.000Z>\n${CHROME_MAC}`);
    expect(all).toContain('*To*\nSydney, Australia\n203.0.113.50\n<!date^1704072600^{date_short_pretty} {time_secs}|2024-01-01T01:30:00.000Z>\npython-requests/2.31.0\n_a script, not a browser_');
  });

  it.each([
    // A profile stored before user agents were kept: the earlier login's agent is unknown, not absent.
    ['an earlier login from an old profile', { to: FIREFOX_LINUX }, '_user agent not recorded_', FIREFOX_LINUX],
    // A login that sent no user agent says so.
    ['logins without a user agent', { from: null, to: null }, '_no user agent_', '_no user agent_'],
  ] as const)('an impossible journey tells %s apart', (_name, agents, from, to) => {
    const texts = messageTexts(formatAlert(travelAlert('Sydney, Australia', agents), context)).map((one) => one.text);
    expect(texts.find((one) => one.startsWith('*From*'))?.split('\n').slice(4)).toEqual([from]);
    expect(texts.find((one) => one.startsWith('*To*'))?.split('\n').slice(4)).toEqual([to]);
  });

  it('a sequence names the user agent of the login that completed it', () => {
    const all = text(formatAlert(sequenceAlert('alice@example.com', 'Lagos, Nigeria', CHROME_MAC), context));
    expect(all).toContain(`*User agent*\n${CHROME_MAC}`);
    // Held from before user agents were kept, or sent none: no field rather than a wrong value.
    expect(text(formatAlert(sequenceAlert(), context))).not.toContain('*User agent*');
    expect(text(formatAlert(sequenceAlert('alice@example.com', 'Lagos, Nigeria', null), context))).not.toContain('*User agent*');
  });

  it.each([
    ['an impossible journey', () => travelAlert('Sydney, Australia', { from: HOSTILE, to: `${HOSTILE} python-requests` })],
    ['a sequence', () => sequenceAlert('alice@example.com', 'Lagos, Nigeria', HOSTILE)],
  ])('renders a hostile user agent in %s literally: no ping, no bold, no link', (_name, alert) => {
    const message = formatAlert(alert(), context);
    expect(blockKitViolations(message)).toEqual([]);
    expect(liveMrkdwn(message)).toEqual([]);
    const all = text(message);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain(' *x* ');
  });

  it('a new value names the value, what was known, and since when', () => {
    const message = formatAlert(newValueAlert(), context);
    expect(blockKitViolations(message)).toEqual([]);
    const all = text(message);
    expect(all).toContain('*New location_info.country_code* for user_id=auth0|alice: *DE*');
    expect(all).toContain('Seen before: NL, FR (+10 more) · known since <!date^1701388800^');
  });

  it.each([
    ['a sequence', () => sequenceAlert(HOSTILE, HOSTILE)],
    ['an impossible journey', () => travelAlert(HOSTILE)],
    ['a new value', () => newValueAlert(HOSTILE)],
  ])('renders hostile log values in %s literally', (_name, alert) => {
    const message = formatAlert(alert(), context);
    expect(blockKitViolations(message)).toEqual([]);
    expect(liveMrkdwn(message)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('&lt;!channel&gt;');
  });
});
