import type { LogcodeRule, StatusSummary } from '../../src/slack/logcode.js';

/** A small rule set shaped like the default rules: exact codes, a glob, a disabled rule, a threshold. */
export const SAMPLE_RULES: LogcodeRule[] = [
  { id: 'breached-password', severity: 'high', enabled: true, codes: ['pwd_leak', 'signup_pwd_leak', 'reset_pwd_leak'], trigger: 'every matching event' },
  {
    id: 'failed-login-burst',
    severity: 'medium',
    enabled: true,
    codes: ['f', 'fp', 'fu'],
    trigger: '≥ 10 distinct user_name within 5m per ip',
    channel: '#sec-alerts',
  },
  { id: 'guardian-any', severity: 'low', enabled: true, codes: ['gd_*'], trigger: 'every matching event', channel: 'C0123456789' },
  { id: 'disabled-leak', severity: 'critical', enabled: false, codes: ['pwd_leak'], trigger: 'every matching event' },
];

export const SAMPLE_STATUS: StatusSummary = {
  tenants: [
    {
      tenant: 'example.eu.auth0.com',
      lastPollAt: '2025-01-01T11:59:30.000Z',
      lastPollOk: false,
      lastPollError: 'Auth0 GET /api/v2/logs failed (HTTP 429 <rate limited>)',
      lastSuccessAt: '2025-01-01T11:58:00.000Z',
      checkpoint: '90020250101115800000000000000000000000000000000001',
      checkpointDate: '2025-01-01T11:50:00.000Z',
    },
  ],
  outbox: { pending: 3, failed: 1, channels: [{ channel: '#sec-alerts', pending: 3, failed: 1 }, { channel: '#idle', pending: 0, failed: 0 }] },
};

export const FIXED_NOW = new Date('2025-01-01T12:00:00.000Z');

interface BlockLike {
  type: string;
  text?: { text: string };
  elements?: Array<{ text?: string }>;
}

/** Every piece of text a reply shows (sections, contexts), for content assertions. */
export function replyText(reply: { text: string; blocks: unknown[] }): string {
  const parts = (reply.blocks as BlockLike[]).flatMap((block) => [
    block.text?.text ?? '',
    ...(block.elements ?? []).map((element) => element.text ?? ''),
  ]);
  return parts.filter(Boolean).join('\n');
}
