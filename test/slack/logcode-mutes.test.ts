import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import type { Mute } from '../../src/state/controls.js';
import { createLogcodeHandler } from '../../src/slack/logcode.js';
import { FIXED_NOW, SAMPLE_RULES, replyText } from '../helpers/bolt-fixtures.js';

const mute = (overrides: Partial<Mute> = {}): Mute => ({
  id: 7,
  tenant: 'acme',
  ruleId: 'brute-force-by-ip',
  group: { ip: '203.0.113.7' },
  incident: 'brute-force-by-ip:1:900',
  channel: 'C1',
  threadTs: '1.1',
  createdBy: 'U0JANE',
  createdAt: FIXED_NOW.toISOString(),
  durationMs: 4 * 3_600_000,
  startsAt: FIXED_NOW.toISOString(),
  until: '2025-01-01T16:00:00.000Z',
  wallUntil: '2025-01-01T16:00:00.000Z',
  endedAt: null,
  endedBy: null,
  endReason: null,
  held: 12,
  ...overrides,
});

function handler(active: Mute[], responders: string[] = []) {
  const ended: Array<[number, string]> = [];
  const logcode = createLogcodeHandler({
    catalog: loadCatalog(),
    rules: () => SAMPLE_RULES,
    now: () => FIXED_NOW,
    mutes: {
      list: async () => active,
      end: async (id, user) => {
        ended.push([id, user]);
        const found = active.find((m) => m.id === id);
        return found ? { ...found, endedAt: FIXED_NOW.toISOString(), endedBy: user, endReason: 'unmuted' } : undefined;
      },
    },
    mayAct: async (user) => responders.length === 0 || responders.includes(user),
  });
  return { logcode, ended };
}

describe('/logcode mutes and unmute', () => {
  it('lists the active mutes with their id, scope, author, end and what they hold', async () => {
    const { logcode } = handler([mute(), mute({ id: 8, group: null, held: 0, durationMs: 3_600_000 })]);
    const text = replyText(await logcode('mutes'));
    expect(text).toContain('*2 active mutes*');
    expect(text).toContain('*Mute 7* — rule `brute-force-by-ip`, this group (ip=203.0.113.7), tenant acme · by <@U0JANE> for 4 hours');
    expect(text).toContain('12 events held back so far');
    expect(text).toContain('*Mute 8* — rule `brute-force-by-ip`, the whole rule');
    expect(text).toContain('/logcode unmute &lt;id&gt;');
    expect(replyText(await handler([]).logcode('mutes'))).toContain('No active mutes');
  });

  it('with SLACK_RESPONDERS set, only responders see the mutes: a mute names the user or IP of an alert from the alert channel', async () => {
    const { logcode } = handler([mute({ group: { user_name: 'victim@example.com', ip: '203.0.113.7' } })], ['U0JANE']);
    const outsider = replyText(await logcode('mutes', { user: 'U0OTHER' }));
    expect(outsider).toContain('Only responders can list the mutes');
    expect(outsider).not.toContain('victim@example.com');
    expect(outsider).not.toContain('203.0.113.7');
    expect(replyText(await logcode('mutes', {}))).not.toContain('victim@example.com');
    expect(replyText(await logcode('mutes', { user: 'U0JANE' }))).toContain('this group (user_name=victim@example.com, ip=203.0.113.7)');
  });

  it('unmute ends a mute for a responder, attributed to them; others are refused and nothing changes', async () => {
    const { logcode, ended } = handler([mute()], ['U0JANE']);
    expect(replyText(await logcode('unmute 7', { user: 'U0BOB' }))).toContain('Only responders can end a mute');
    expect(ended).toEqual([]);
    expect(replyText(await logcode('unmute 7', { user: 'U0JANE' }))).toContain('Mute 7 ended');
    expect(ended).toEqual([[7, 'U0JANE']]);
    expect(replyText(await logcode('unmute 99', { user: 'U0JANE' }))).toContain('Mute 99 is not active');
    expect(replyText(await logcode('unmute seven', { user: 'U0JANE' }))).toContain('Usage: `/logcode unmute &lt;id&gt;`');
  });

  it('a group value from a log event is shown inert: every mrkdwn text is verbatim, so Slack links no bare domain or #channel', async () => {
    // A mute of a brute-force group keyed by an attacker's user name: the name is theirs to choose.
    const group = { user_name: 'reset-password.evil.example #general @here <!channel>' };
    const { logcode } = handler([mute({ group })], ['U0JANE']);
    for (const reply of [await logcode('mutes', { user: 'U0JANE' }), await logcode('unmute 7', { user: 'U0JANE' })]) {
      const texts = reply.blocks.flatMap((block) => {
        const b = block as { text?: { type: string; verbatim?: boolean }; elements?: Array<{ type: string; verbatim?: boolean }> };
        return [b.text, ...(b.elements ?? [])].filter((text) => text?.type === 'mrkdwn');
      });
      expect(texts.length).toBeGreaterThan(0);
      for (const text of texts) expect(text).toMatchObject({ verbatim: true });
      expect(replyText(reply)).toContain('reset-password.evil.example #general @\u200Bhere &lt;!channel&gt;');
    }
  });
});
