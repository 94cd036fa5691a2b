import { describe, expect, it } from 'vitest';
import { normalizeLogEvent, type LogEvent } from '../../src/auth0/log-event.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { describeAlert } from '../../src/commands/replay.js';
import { compileRules, evaluate, initialState, loadRules, type Alert } from '../../src/engine/index.js';
import { escapeMrkdwn, escapeMrkdwnLines } from '../../src/slack/escape.js';
import { formatDigest } from '../../src/slack/format-digest.js';
import { formatRepeatReply } from '../../src/slack/format-repeat.js';
import { formatAlert, type SlackMessage } from '../../src/slack/format.js';

/**
 * A value from a log event is one value: whatever line breaks it carries, it must not
 * write lines of its own into an alert. A user name of "mallory\nceo@corp.com ×900"
 * would otherwise add a forged entry to "Top users", a second id under "User", or a
 * line that reads as the bot's own under the alert's description. The same values
 * reach the operator's terminal (`run --dry-run`, `replay --brief`): there, escape
 * sequences (ESC, CSI, OSC 8 links, window titles) and bidi controls must not act.
 */
const catalog = loadCatalog();
const rules = compileRules(loadRules('rules', catalog).rules, catalog);
const context = { catalog, defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' }, tenant: 'acme', actions: true };

/** What the attacker wants a line of its own; every variant of line break Slack or a terminal may honour. */
const FORGED = 'ceo@corp.com ×900';
const BREAKS = ['\n', '\r\n', '\r', '\u2028', '\u2029'];

let sequence = 0;
function event(type: string, fields: Record<string, unknown>): LogEvent {
  sequence += 1;
  const date = new Date(Date.parse('2024-05-01T12:00:00Z') + sequence * 1000).toISOString();
  const parsed = normalizeLogEvent({ log_id: `90020240501120000000000000000000000000000000000000${String(sequence).padStart(6, '0')}`, date, type, ...fields });
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.event;
}

/** Every mrkdwn text Slack renders (fallback, sections, fields, context), split into the lines a reader sees. */
function renderedLines(message: Pick<SlackMessage, 'text' | 'blocks'>): string[] {
  const texts = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    const object = value as Record<string, unknown>;
    if (typeof object.text === 'string') texts.push(object.text);
    Object.values(object).forEach(walk);
  };
  walk(message.blocks);
  return texts.flatMap((text) => text.split(/\r\n|[\n\r\u2028\u2029]/));
}

function hostileAlerts(lineBreak: string): Alert[] {
  const evil = `mallory${lineBreak}${FORGED}`;
  const events = [
    // One event carrying it everywhere a match alert shows event values.
    event('pwd_leak', { user_name: evil, user_id: `auth0|${evil}`, ip: '198.51.100.1', description: evil, user_agent: evil, client_name: evil, connection: evil, location_info: { city_name: evil, country_name: 'X' } }),
    // Credential stuffing from one IP: the name lands in "Top users" and in the distinct-values list.
    ...Array.from({ length: 12 }, (_, i) => event('fu', { ip: '203.0.113.9', user_name: i === 0 ? evil : `victim${i}@example.com` })),
    // Brute force on one account: the name is the group (group text, repeat reply's "Group").
    ...Array.from({ length: 25 }, () => event('fp', { ip: '203.0.113.10', user_name: evil, user_id: 'auth0|m' })),
  ];
  const { alerts } = evaluate(rules, initialState(), events);
  expect(alerts.filter((alert) => alert.kind === 'alert').map((alert) => alert.ruleId)).toEqual(
    expect.arrayContaining(['breached-password', 'credential-stuffing', 'account-brute-force']),
  );
  return alerts;
}

describe('a line break inside an event value never starts a line of the message', () => {
  it.each(BREAKS.map((lineBreak) => [JSON.stringify(lineBreak), lineBreak]))('%s: alerts, repeat replies and digests', (_name, lineBreak) => {
    const alerts = hostileAlerts(lineBreak);
    const messages: SlackMessage[] = alerts.map((alert) =>
      alert.kind === 'repeat' ? formatRepeatReply([alert], { total: alert.incidentCount, threadTs: '1.2' }, context) : formatAlert(alert, context),
    );
    messages.push(formatDigest(alerts.filter((alert) => alert.ruleId === 'account-brute-force'), 'digest-1', context));
    const lines = messages.flatMap(renderedLines);
    // The value is shown (fields, top lists, group, description, fallback), on the line of its label, never on one of its own.
    expect(lines.filter((line) => line.includes('ceo@corp.com')).length).toBeGreaterThan(10);
    expect(lines.filter((line) => line.trimStart().startsWith('ceo@corp.com'))).toEqual([]);
  });

  it('escapeMrkdwn keeps a value on one line; escapeMrkdwnLines keeps the lines of rule-written text (a runbook)', () => {
    expect(escapeMrkdwn('a\nb\r\nc\rd\u2028e\u2029f')).toBe('a b c d e f');
    expect(escapeMrkdwn('a\n> quoted')).toBe('a &gt; quoted');
    expect(escapeMrkdwnLines('Step 1\nStep 2\n> not a quote')).toBe('Step 1\nStep 2\n\u200B&gt; not a quote');
  });
});

describe('terminal output of alerts (run --dry-run, replay --brief)', () => {
  it('prints no control character from an event: no escape sequence, OSC link or bidi override reaches the terminal', () => {
    const hostile = 'a\u001b[31mRED\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007\u009b2J\u202Eb\rX';
    const { alerts } = evaluate(rules, initialState(), [event('pwd_leak', { user_name: hostile, ip: `198.51.100.2\u001b[1m`, user_id: 'auth0|x' })]);
    expect(alerts).toHaveLength(1);
    const text = describeAlert(alerts[0]!, '#alerts');
    // Only our own layout: printable characters, our newline and spaces.
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u2028\u2029]/);
    expect(text).toContain('RED');
    expect(text.split('\n')).toHaveLength(2);
  });
});
