import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPLAY_DEFAULTS } from '../../src/commands/replay.js';
import { main } from '../../src/cli.js';
import { useCliOutput } from '../helpers/engine-cli-output.js';
import { readEventFile } from '../../src/auth0/event-file.js';

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

  it('prints readable lines with --brief', async () => {
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'rules', '--brief'])).toBe(0);
    expect(output.stdout).toContain('[CRITICAL] Breached password used for user@example.com from 36.85.218.229  → #security-alerts');
    expect(output.stdout).toContain('↳ repeat breached-password: 1 more event(s), 2 in the incident so far');
  });

  it('shows each message as it will look in Slack by default, repeats as thread replies', async () => {
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'rules'])).toBe(0);
    expect(output.stdout).toContain('#security-alerts · message 1');
    expect(output.stdout).toContain('🚨 Breached password used for user@example.com from 36.85.218.229');
    expect(output.stdout).toContain('#security-alerts · thread reply under message 1');
    expect(output.stdout).toContain('metadata: kind=repeat rule=breached-password');
  });

  it('renders your own rules the way they will look in Slack (layered over the defaults)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-rules-'));
    writeFileSync(join(dir, 'defaults.yml'), 'override:\n  breached-password: { channel: "#soc", severity: high }\n');
    writeFileSync(join(dir, 'sapi.yml'), 'id: any-admin-change\ntitle: "Admin change: {{description}}"\nseverity: low\nmatch: { codes: [sapi] }\n');
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', dir])).toBe(0);
    expect(output.stdout).toContain('#soc · message 1');
    expect(output.stdout).toContain('🔴 Breached password used for user@example.com');
    expect(output.stdout).toMatch(/Admin change: /);
  });

  it('says which codes it saw and that none is watched, when nothing fired for that reason', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'events.ndjson');
    // Logouts and silent authentication: no default rule watches them (a login, `s`, is watched since issue 13).
    writeFileSync(file, ['slo', 'slo', 'ssa', 'sce'].map((type, i) => JSON.stringify({ type, log_id: `9002024010100000${i}`, date: '2024-01-01T00:00:00Z' })).join('\n'));
    expect(await main(['replay', file, '--rules', 'rules'])).toBe(0);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain('replay: 4 event(s), 0 alert(s), 0 repeat(s)');
    expect(output.stderr).toContain('replay: codes seen: slo ×2, ssa ×1, sce ×1; none of them is watched by the enabled rules (see rules list)');
  });

  it('carries what travel and first-seen rules remember from one batch of the file to the next', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'events.ndjson');
    const login = (i: number, at: string, place: object) =>
      JSON.stringify({ type: 's', user_id: 'auth0|alice', user_name: 'alice@example.com', log_id: `900${String(i).padStart(20, '0')}`, date: at, location_info: place });
    const filler = Array.from({ length: REPLAY_DEFAULTS.batch + 10 }, (_, i) =>
      JSON.stringify({ type: 'slo', log_id: `900${String(i + 2).padStart(20, '0')}`, date: '2024-01-01T00:10:00Z' }),
    );
    const last = REPLAY_DEFAULTS.batch + 20;
    writeFileSync(
      file,
      [
        login(1, '2024-01-01T00:00:00Z', { country_code: 'NL', city_name: 'Amsterdam', latitude: 52.37, longitude: 4.9 }),
        ...filler,
        login(last, '2024-01-01T01:00:00Z', { country_code: 'AU', city_name: 'Sydney', latitude: -33.87, longitude: 151.21 }),
      ].join('\n'),
    );
    expect(await main(['replay', file, '--rules', 'rules'])).toBe(0);
    expect(output.stdout).toContain('Impossible travel for alice@example.com');
  });

  it('says which watched codes it saw when no rule condition was met', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'events.ndjson');
    writeFileSync(file, `${JSON.stringify({ type: 'fp', ip: '203.0.113.7', log_id: '900202401010000001', date: '2024-01-01T00:00:00Z' })}\n`);
    expect(await main(['replay', file, '--rules', 'rules'])).toBe(0);
    expect(output.stderr).toContain("replay: codes seen: fp ×1; watched: fp — no rule's conditions or threshold were met");
  });

  it('exits 1 with the problems when the rules are invalid', async () => {
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'test/fixtures/rules/bad-duration'])).toBe(1);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain('threshold.window');
  });

  it.each([
    // a JSON array cut short (an interrupted export): not "all quiet"
    ['a truncated JSON array', '[{"type":"s","log_id":"1","date":"2024-01-01T00:00:00Z"},\n', 'not a valid JSON array (the closing ] is missing) — 1 event(s) read before that point'],
    ['a broken JSON array', '[{"type":"s","log_id":"1","date":"2024-01-01T00:00:00Z"}, {"type": oops}]', 'not a valid JSON array ('],
    // not JSON at all
    ['a CSV file', 'type,log_id,date\npwd_leak,1,2024-01-01\n', 'no line is valid JSON'],
  ])('is a usage error (exit 2) for %s, with nothing on stdout', async (_name, text, expected) => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'events.json');
    writeFileSync(file, text);
    expect(await main(['replay', file, '--rules', 'rules', '--json'])).toBe(2);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain(`the input is neither a JSON array nor NDJSON: ${expected}`);
  });

  it('still prints the alerts of the events before the break of a cut-short array, then exits 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'events.json');
    writeFileSync(file, '[{"type":"pwd_leak","user_name":"a@example.com","ip":"198.51.100.1","log_id":"1","date":"2024-01-01T00:00:00Z"},\n{"type":"s","da');
    expect(await main(['replay', file, '--rules', 'rules', '--json'])).toBe(2);
    expect(output.stdout.trim().split('\n').map((line) => JSON.parse(line).metadata.event_payload.rule_id)).toEqual(['breached-password']);
    expect(output.stderr).toContain('1 event(s) read before that point; an interrupted export?');
  });

  it('names the first malformed events, then only counts them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replay-')), 'events.ndjson');
    const good = JSON.stringify({ type: 's', log_id: '1', date: '2024-01-01T00:00:00Z' });
    writeFileSync(file, [good, ...Array.from({ length: 25 }, () => '{"type": "s"}')].join('\n'));
    expect(await main(['replay', file, '--rules', 'rules'])).toBe(0);
    expect(output.stderr.match(/replay: skipped event on line/g)).toHaveLength(20);
    expect(output.stderr).toContain('replay: 5 more malformed event(s) skipped');
    expect(output.stderr).toContain('replay: 1 event(s), 0 alert(s), 0 repeat(s), 25 skipped');
  });

  it('is a usage error (exit 2) when the file cannot be read', async () => {
    expect(await main(['replay', 'test/fixtures/events/nope.json', '--rules', 'rules'])).toBe(2);
    expect(output.stderr).toContain("cannot read 'test/fixtures/events/nope.json' (ENOENT)");
  });
});

describe('readEventFile', () => {
  const read = async (chunks: string[]) => {
    const items = [];
    for await (const chunk of readEventFile(Readable.from(chunks.map((text) => Buffer.from(text))))) items.push(...chunk);
    return items;
  };
  const event = (n: number) => JSON.stringify({ type: 's', log_id: String(n), date: '2024-01-01T00:00:00Z' });

  it('names the index of malformed entries in a JSON array', async () => {
    const items = await read([JSON.stringify([{ type: 's', log_id: '1', date: '2024-01-01T00:00:00Z' }, 42, { type: 's', date: '2024-01-01T00:00:00Z' }])]);
    expect(items.filter((item) => 'event' in item)).toHaveLength(1);
    expect(items.filter((item) => 'skipped' in item)).toEqual([{ skipped: 'event #1: not an object' }, { skipped: expect.stringMatching(/^event #2: log_id/) }]);
  });

  it('reads NDJSON and ignores blank lines and CRLF', async () => {
    expect(await read([`\n${event(1)}\r\n\n${event(2)}`])).toEqual([{ event: expect.objectContaining({ log_id: '1' }) }, { event: expect.objectContaining({ log_id: '2' }) }]);
  });

  it('reads events split across chunks anywhere (mid-line, mid-string, mid-UTF-8 character)', async () => {
    const ndjson = `${event(1)}\n${JSON.stringify({ type: 's', log_id: '2', date: '2024-01-01T00:00:00Z', user_name: 'Jürgen 🚀' })}\n`;
    const bytes = Buffer.from(ndjson);
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.subarray(i, i + 7));
    const items = [];
    for await (const chunk of readEventFile(Readable.from(pieces))) items.push(...chunk);
    expect(items.map((item) => ('event' in item ? item.event.user_name ?? item.event.log_id : item.skipped))).toEqual(['1', 'Jürgen 🚀']);

    const array = Buffer.from(`  [${event(1)},${JSON.stringify({ type: 's', log_id: '2', date: '2024-01-01T00:00:00Z', user_name: 'Jürgen 🚀' })}]\n`);
    const arrayPieces: Buffer[] = [];
    for (let i = 0; i < array.length; i += 5) arrayPieces.push(array.subarray(i, i + 5));
    const fromArray = [];
    for await (const chunk of readEventFile(Readable.from(arrayPieces))) fromArray.push(...chunk);
    expect(fromArray.map((item) => ('event' in item ? item.event.user_name ?? item.event.log_id : item.skipped))).toEqual(['1', 'Jürgen 🚀']);
  });

  it('yields an empty input as no events, without an error', async () => {
    expect(await read(['', '  \n'])).toEqual([]);
  });
});
