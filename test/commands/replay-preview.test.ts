import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { useCliOutput } from '../helpers/engine-cli-output.js';

const output = useCliOutput();

/**
 * CONTRACT: `replay --json` prints the objects the sender would post. The sender posts a
 * repeat as a short thread reply under the incident's message (src/slack/format-repeat.ts),
 * never as a second full alert; only `thread_ts` is absent in the preview.
 */
describe('replay --json for a repeat', () => {
  it('prints the thread reply the sender would post, without thread_ts', async () => {
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'rules', '--json'])).toBe(0);
    const messages = output.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
    const [alert, repeat] = messages;
    expect(repeat.metadata.event_payload).toMatchObject({ kind: 'repeat', incident: alert.metadata.event_payload.incident });
    expect(repeat).not.toHaveProperty('thread_ts');
    // The reply's headline and no header block of its own (the parent carries the details).
    expect(repeat.text).toContain('+1 more, 2 in all');
    expect(repeat.blocks.map((block: { type: string }) => block.type)).toEqual(['section', 'context']);
    expect(JSON.stringify(repeat)).not.toContain('could not be posted');
  });
});

/**
 * CONTRACT: each log id is reported by exactly one message of at most 100 log ids — an alert of
 * 200 failures too. The preview prints the sender's replies listing its other log ids, after it.
 */
describe('replay --json for an alert of more than 100 events', () => {
  it('prints the alert and the replies listing its other log ids: every log id once, counts adding up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-log-ids-'));
    try {
      mkdirSync(join(dir, 'rules'));
      writeFileSync(
        join(dir, 'rules', 'failed-200.yml'),
        ['id: failed-200', 'title: "{{count}} failed logins from {{ip}}"', 'severity: high', 'match: { codes: [fp] }', 'threshold: { count: 200, window: 1h, group_by: [ip] }', ''].join('\n'),
      );
      const ids = Array.from({ length: 200 }, (_, i) => `90020240501120000000000000000000000000000000000000000000${String(i).padStart(3, '0')}`);
      const events = ids.map((id, i) => JSON.stringify({ log_id: id, type: 'fp', date: new Date(Date.parse('2024-05-01T12:00:00Z') + i * 1000).toISOString(), ip: '203.0.113.7', user_name: 'alice@example.com' }));
      writeFileSync(join(dir, 'events.ndjson'), `${events.join('\n')}\n`);
      expect(await main(['replay', join(dir, 'events.ndjson'), '--rules', join(dir, 'rules'), '--json'])).toBe(0);
      const messages = output.stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line))
        // The bundled rules run too (a rules folder layers on them).
        .filter((message) => message.metadata.event_payload.rule_id === 'failed-200');
      expect(messages).toHaveLength(2);
      const payloads = messages.map((message) => message.metadata.event_payload);
      expect(payloads.map((payload) => [payload.kind, payload.incident, payload.count, payload.log_ids.length])).toEqual([
        ['alert', payloads[0].incident, 100, 100],
        ['alert', payloads[0].incident, 100, 100],
      ]);
      expect(payloads.flatMap((payload) => payload.log_ids).sort()).toEqual(ids);
      expect(messages[0].text).toContain('200 failed logins');
      expect(messages[1]).not.toHaveProperty('thread_ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
