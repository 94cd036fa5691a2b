import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import nock from 'nock';
import { main } from '../../src/cli.js';
import type { SlackMessage } from '../../src/slack/format.js';
import { blockKitViolations } from '../helpers/slack-fixtures.js';

let stdout = '';
let stderr = '';

beforeEach(() => {
  stdout = '';
  stderr = '';
  nock.disableNetConnect();
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  // No credentials and no state: the demo must not need them.
  for (const name of ['SLACK_BOT_TOKEN', 'AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET', 'ALERT_CHANNEL']) vi.stubEnv(name, '');
  vi.stubEnv('STATE_DB', '/nonexistent/dir/state.db');
  vi.stubEnv('RULES_DIR', '/nonexistent/rules');
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  nock.enableNetConnect();
  process.exitCode = 0;
});

describe('demo', () => {
  it('--json prints one valid chat.postMessage body per line for each scenario in the sample', async () => {
    expect(await main(['demo', '--json'])).toBe(0);
    const messages = stdout.trim().split('\n').map((line) => JSON.parse(line) as SlackMessage);
    const rules = messages.map((m) => `${m.metadata.event_payload.kind}:${m.metadata.event_payload.rule_id}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'alert:breached-password',
        'alert:brute-force-by-ip',
        'repeat:brute-force-by-ip',
        'alert:account-blocked',
        'alert:ip-blocked',
        'alert:security-settings-changed',
      ]),
    );
    for (const message of messages) {
      expect(blockKitViolations(message)).toEqual([]);
      expect(message.metadata.event_type).toBe('auth0_log_alert');
    }
    // The burst is fully accounted for: alert + thread reply = all 30 failed logins.
    const burst = messages.filter((m) => m.metadata.event_payload.rule_id === 'brute-force-by-ip');
    expect(burst.reduce((sum, m) => sum + m.metadata.event_payload.count, 0)).toBe(30);
    expect(burst.find((m) => m.metadata.event_payload.kind === 'repeat')!.thread_ts).toBeDefined();
    expect(stderr).toBe('');
  });

  it('renders readable messages with severity, fields, links and the thread', async () => {
    expect(await main(['demo'])).toBe(0);
    expect(stdout).toContain('🚨 Breached password used for peter.kraus@acme.example from 198.51.100.23');
    expect(stdout).toContain('IP address: 198.51.100.23 (Berlin, Germany)');
    expect(stdout).toContain('[View in Auth0] https://manage.auth0.com/dashboard/eu/acme-demo/logs/');
    expect(stdout).toMatch(/thread reply under message \d/);
    expect(stdout).toMatch(/\+10 more, 30 in all/);
    expect(stdout).toContain('updated in place (chat.update)');
    expect(stdout).not.toMatch(/&lt;|&gt;|&amp;|\u200B|<!date/);
  });
});

describe('demo --rules DIR', () => {
  it('shows your rules layered over the defaults, as run would post them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-rules-'));
    writeFileSync(join(dir, 'defaults.yml'), 'disable: [ip-blocked]\noverride:\n  breached-password: { channel: "#soc-critical" }\n');
    writeFileSync(join(dir, 'logins.yml'), 'id: every-login\ntitle: "Login by {{user_name}}"\nseverity: info\nmatch: { codes: [s] }\nthrottle: { period: 1d, by: [user_name] }\n');
    expect(await main(['demo', '--json', '--rules', dir])).toBe(0);
    const messages = stdout.trim().split('\n').map((line) => JSON.parse(line) as SlackMessage);
    const byRule = (id: string) => messages.filter((m) => m.metadata.event_payload.rule_id === id);
    expect(byRule('every-login').length).toBeGreaterThan(0);
    expect(byRule('ip-blocked')).toEqual([]);
    expect(byRule('breached-password').map((m) => m.channel)).toEqual(['#soc-critical']);
    expect(byRule('brute-force-by-ip').length).toBeGreaterThan(0);
  });

  it('exits 1 with every problem when your rules are invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-rules-'));
    writeFileSync(join(dir, 'bad.yml'), 'id: bad\nseverity: low\nmatch: { codes: [s], where: { usr_name: { equals: a } } }\n');
    expect(await main(['demo', '--rules', dir])).toBe(1);
    expect(stderr).toContain("unknown field 'usr_name'");
    expect(stdout).toBe('');
  });
});
