import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { useCliOutput } from '../helpers/engine-cli-output.js';
import { parseEventStream } from '../../src/commands/replay.js';

const output = useCliOutput();

afterEach(() => {
  delete process.env.ALERT_CHANNEL;
});

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('replay', () => {
  it('replays the public Auth0 sample with --json: exit 0, one JSON message per alert on stdout and nothing else', async () => {
    // The default rules find nothing in the public sample; a rule for its failed logins makes alerts to print.
    const rules = mkdtempSync(join(tmpdir(), 'replay-rules-'));
    writeFileSync(join(rules, 'failures.yml'), 'id: sample-failures\nseverity: high\nmatch:\n  codes: [f, fp, fu]\n');
    expect(await main(['replay', 'test/fixtures/events/auth0-logs-public.json', '--rules', rules, '--json'])).toBe(0);
    const summary = /replay: 20 event\(s\), (\d+) alert\(s\), (\d+) repeat\(s\)/.exec(output.stderr);
    expect(summary, output.stderr).not.toBeNull();
    const reported = Number(summary![1]) + Number(summary![2]);
    expect(reported).toBeGreaterThan(0);
    const printed = lines(output.stdout).map((line) => JSON.parse(line) as { metadata: { event_type: string; event_payload: { rule_id: string } } });
    expect(printed).toHaveLength(reported);
    for (const message of printed) {
      expect(message.metadata).toMatchObject({ event_type: 'auth0_log_alert', event_payload: { rule_id: 'sample-failures' } });
    }
  });

  it('prints one chat.postMessage body per alert, skipping malformed events with their line', async () => {
    process.env.ALERT_CHANNEL = '#sec-test';
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'rules', '--json'])).toBe(0);
    const messages = lines(output.stdout).map((line) => JSON.parse(line));
    expect(messages.map((m) => [m.metadata.event_payload.kind, m.metadata.event_payload.rule_id])).toEqual([
      ['alert', 'breached-password'],
      ['repeat', 'breached-password'],
      ['alert', 'security-settings-changed'],
    ]);
    expect(messages[0]).toMatchObject({
      channel: '#sec-test',
      metadata: {
        event_type: 'auth0_log_alert',
        event_payload: { severity: 'critical', count: 1, log_ids: ['90020230726130910000000000000000000001223372038981400001'] },
      },
    });
    expect(messages[1].metadata.event_payload.incident).toBe(messages[0].metadata.event_payload.incident);
    expect(output.stderr).toContain('skipped event on line 3: not an object');
    expect(output.stderr).toContain('skipped event on line 4: type');
    expect(output.stderr).toContain('skipped event on line 5: date');
    expect(output.stderr).toContain('skipped line 6: not valid JSON');
  });

  it('reads the events from stdin when the file is -', async () => {
    const ndjson = readFileSync('test/fixtures/events/mixed.ndjson', 'utf8');
    vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(ndjson)]) as unknown as typeof process.stdin);
    expect(await main(['replay', '-', '--rules', 'rules', '--json'])).toBe(0);
    expect(lines(output.stdout).map((line) => JSON.parse(line).metadata.event_payload.rule_id)).toEqual([
      'breached-password',
      'breached-password',
      'security-settings-changed',
    ]);
  });

  it('prints readable lines without --json', async () => {
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'rules'])).toBe(0);
    expect(output.stdout).toContain('[CRITICAL] Breached password used for user@example.com from 36.85.218.229  → #security-alerts');
    expect(output.stdout).toContain('↳ repeat breached-password: 1 more event(s), 2 in the incident so far');
  });

  it('exits 1 with the problems when the rules are invalid', async () => {
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'test/fixtures/rules/bad-duration'])).toBe(1);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain('threshold.window');
  });

  it.each([
    // a JSON array cut short (an interrupted export): not "0 events, all quiet"
    ['a truncated JSON array', '[{"type":"pwd_leak","log_id":"1","date":"2024-01-01T00:00:00Z"},\n', 'not a valid JSON array'],
    // not JSON at all
    ['a CSV file', 'type,log_id,date\npwd_leak,1,2024-01-01\n', 'no line is valid JSON'],
  ])('is a usage error (exit 2) for %s, with nothing on output.stdout', async (_name, text, expected) => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'events.json');
    writeFileSync(file, text);
    expect(await main(['replay', file, '--rules', 'rules', '--json'])).toBe(2);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain(`the input is neither a JSON array nor NDJSON: ${expected}`);
  });

  it('is a usage error (exit 2) when the file cannot be read', async () => {
    expect(await main(['replay', 'test/fixtures/events/nope.json', '--rules', 'rules'])).toBe(2);
    expect(output.stderr).toContain("cannot read 'test/fixtures/events/nope.json' (ENOENT)");
  });
});

describe('parseEventStream', () => {
  it('names the index of malformed entries in a JSON array', () => {
    const text = JSON.stringify([{ type: 's', log_id: '1', date: '2024-01-01T00:00:00Z' }, 42, { type: 's', date: '2024-01-01T00:00:00Z' }]);
    const { events, warnings } = parseEventStream(text);
    expect(events).toHaveLength(1);
    expect(warnings).toEqual(['skipped event #1: not an object', expect.stringMatching(/^skipped event #2: log_id/)]);
  });

  it('reads NDJSON and ignores blank lines', () => {
    const { events, warnings } = parseEventStream('\n{"type":"s","log_id":"1","date":"2024-01-01T00:00:00Z"}\n\n');
    expect(events).toHaveLength(1);
    expect(warnings).toEqual([]);
  });
});
