import { describe, expect, it } from 'vitest';
import { ALL_TENANTS, formatNotice, wholeBotTenant } from '../../src/slack/format-notice.js';
import type { Problem } from '../../src/state/store.js';
import { blockKitViolations } from '../helpers/slack-fixtures.js';

const OPENED = '2024-05-01T12:00:00.000Z';
const NOW = new Date('2024-05-01T13:00:00.000Z');

function problem(overrides: Partial<Problem>): Problem {
  return {
    key: 'polling_failing:acme',
    kind: 'polling_failing',
    tenant: 'acme',
    channel: '#acme',
    summary: 'polling tenant acme has failed for 12 min (Auth0 rejected the credentials): …',
    openedAt: OPENED,
    updatedAt: OPENED,
    resolvedAt: null,
    noticeTs: null,
    noticeChannel: null,
    noticeState: 'due',
    ...overrides,
  };
}

/** Every text Slack parses as mrkdwn, and the fallback text. */
function parsedTexts(message: { text: string; blocks: unknown[] }): string[] {
  const texts = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    const object = value as Record<string, unknown>;
    if (object.type === 'mrkdwn' && typeof object.text === 'string') texts.push(object.text);
    Object.values(object).forEach(walk);
  };
  walk(message.blocks);
  return texts;
}

describe('formatNotice: metadata (CONTRACT.md, "Messages the bot posts about itself")', () => {
  it('a tenant\'s problem names the tenant, and no channel', () => {
    expect(formatNotice(problem({}), 'open', '#acme', NOW).metadata).toEqual({
      event_type: 'auth0_log_alerts_notice',
      event_payload: { kind: 'polling_failing', tenant: 'acme', problem: 'polling_failing:acme', state: 'open', opened_at: OPENED },
    });
  });

  it('a dead channel names the tenant whose alert found it, and the channel it is about (the notice goes elsewhere)', () => {
    const dead = problem({ key: 'dead_channel:#gone', kind: 'dead_channel', tenant: 'acme', channel: null, summary: 'alerts for #gone are held (3 so far): channel_not_found' });
    expect(formatNotice(dead, 'open', '#ops', NOW)).toMatchObject({
      channel: '#ops',
      metadata: {
        event_type: 'auth0_log_alerts_notice',
        event_payload: { kind: 'dead_channel', tenant: 'acme', channel: '#gone', problem: 'dead_channel:#gone', state: 'open', opened_at: OPENED },
      },
    });
    expect(formatNotice({ ...dead, noticeTs: '1.2', noticeChannel: '#ops' }, 'resolved', '#ops', NOW).metadata.event_payload).toEqual({
      kind: 'dead_channel',
      tenant: 'acme',
      channel: '#gone',
      problem: 'dead_channel:#gone',
      state: 'resolved',
      opened_at: OPENED,
      resolved_at: NOW.toISOString(),
    });
  });

  it('a problem of the bot as a whole carries tenant "*" (ALL_TENANTS), never null — also one an older version stored without a tenant; never log_ids', () => {
    const payload = formatNotice(problem({ key: 'outbox_backlog', kind: 'outbox_backlog', tenant: ALL_TENANTS, channel: null }), 'open', '#ops', NOW).metadata.event_payload;
    expect(payload).toEqual({ kind: 'outbox_backlog', tenant: '*', problem: 'outbox_backlog', state: 'open', opened_at: OPENED });
    expect(payload).not.toHaveProperty('log_ids');
    const stored = problem({ key: 'dead_channel:#gone', kind: 'dead_channel', tenant: null, channel: null, noticeTs: '1.2', noticeChannel: '#ops' });
    expect(formatNotice(stored, 'resolved', '#ops', NOW).metadata.event_payload.tenant).toBe('*');
    // The text names no tenant for it ("tenant *" would read as a wildcard typed by someone).
    expect(JSON.stringify(formatNotice(stored, 'open', '#ops', NOW).blocks)).not.toContain('· tenant');
  });

  it('wholeBotTenant: the only tenant configured, else "*"', () => {
    expect(wholeBotTenant(['acme'])).toBe('acme');
    expect(wholeBotTenant(['acme', 'globex'])).toBe('*');
    expect(wholeBotTenant([])).toBe('*');
  });
});

describe('formatNotice: text from outside is escaped like alert values', () => {
  // A channel name from a rule file, an error text from Slack or Auth0, a tenant name: none may mention, link or format.
  const hostile = '<!channel> @here *bold* <https://evil.example|click> `code` ~gone~ _it_ \u202Eevil';
  const notices = [
    formatNotice(problem({ key: `dead_channel:${hostile}`, kind: 'dead_channel', tenant: null, summary: `alerts for ${hostile} are held: ${hostile}` }), 'open', '#ops', NOW),
    formatNotice(problem({ tenant: `acme${hostile}`, summary: `polling tenant acme has failed: ${hostile}` }), 'open', '#acme', NOW),
    formatNotice(problem({ summary: hostile, noticeTs: '1.2', noticeChannel: '#acme' }), 'resolved', '#acme', NOW),
  ];

  it.each(notices.map((notice, index) => ({ notice, index })))('notice $index renders inert', ({ notice }) => {
    const texts = parsedTexts(notice);
    expect(texts.join('\n')).toContain('bold'); // the hostile text is there, shown literally
    for (const text of texts) {
      expect(text).not.toMatch(/[<>]/); // no mention, channel link or URL link
      expect(text).not.toMatch(/@(channel|here|everyone)\b/i);
      expect(text).not.toMatch(/[a-z]:\/\//i);
      expect(text).not.toMatch(/[\u202A-\u202E]/);
      // Each formatting character wrapped in zero-width spaces: it can open or close no span.
      expect(text.replace(/\u200B[*_~`]\u200B/g, '').replace(/:warning: \*[^*]+\*|:white_check_mark: \*Resolved\*/g, '')).not.toMatch(/[*~`]|(^|\s)_|_(\s|$)/);
    }
    expect(blockKitViolations(notice)).toEqual([]);
  });
});
