import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { useCliOutput } from '../helpers/engine-cli-output.js';
import { markdownCodes, newerCodes } from '../catalog/spec-codes.js';

const output = useCliOutput();

const lookup = (...args: string[]) => main(['lookup', ...args]);

describe('lookup <code>', () => {
  it('prints the entry as JSON for an exact code', async () => {
    expect(await lookup('pwd_leak', '--json')).toBe(0);
    expect(JSON.parse(output.stdout)).toMatchObject({
      code: 'pwd_leak',
      name: 'Breached password',
      severity: 'critical',
      docsUrl: 'https://auth0.com/docs/anomaly-detection',
    });
    expect(output.stderr).toBe('');
  });

  it.each([['`PWD_LEAK`'], ['/pwd_leak'], ['  Pwd_Leak ']])('tolerates %j as the code', async (query) => {
    expect(await lookup(query, '--json')).toBe(0);
    expect(JSON.parse(output.stdout).code).toBe('pwd_leak');
  });

  it('prints a readable block with category, severity, docs link and flags', async () => {
    expect(await lookup('sys_update_start')).toBe(0);
    expect(output.stdout).toContain('sys_update_start — Auth0 Update Started');
    expect(output.stdout).toMatch(/severity:\s+info/);
    expect(output.stdout).toMatch(/category:\s+system/);
    expect(output.stdout).toContain('https://auth0.com/docs/private-cloud/managed-private-cloud');
    expect(output.stdout).toContain('Managed Private Cloud only');
  });
});

describe('lookup <keywords>', () => {
  it('prints the ranked matches as a JSON array, best first', async () => {
    expect(await lookup('breached', 'password', '--json')).toBe(0);
    const matches = JSON.parse(output.stdout) as { code: string }[];
    expect(Array.isArray(matches)).toBe(true);
    expect(matches[0]?.code).toBe('pwd_leak');
    expect(matches.map((m) => m.code)).toContain('signup_pwd_leak');
  });

  it('prints one line per match for humans', async () => {
    expect(await lookup('blocked', 'ip')).toBe(0);
    const lines = output.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^limit_mu\s+Blocked IP Address/);
    expect(lines.length).toBeGreaterThan(1);
  });
});

describe('lookup with no match', () => {
  it('exits 1 naming the query and suggesting the likely code', async () => {
    expect(await lookup('pwdlek')).toBe(1);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain("no log event code matches 'pwdlek'");
    expect(output.stderr).toContain("did you mean 'pwd_leak'");
  });

  it('keeps output.stdout JSON-only with --json', async () => {
    expect(await lookup('limtwc', '--json')).toBe(1);
    expect(JSON.parse(output.stdout)).toEqual([]);
    expect(output.stderr).toContain("no log event code matches 'limtwc'");
    expect(output.stderr).toContain("'limit_wc'");
  });
});

describe('lookup --list', () => {
  it('prints the whole catalog as one JSON array holding every code of both lists', async () => {
    expect(await lookup('--list', '--json')).toBe(0);
    const entries = JSON.parse(output.stdout) as Record<string, unknown>[];
    const listed = new Set(entries.map((e) => e.code));
    const expected = [...markdownCodes().map((c) => c.code), ...newerCodes()];
    expect(expected.filter((code) => !listed.has(code))).toEqual([]);
    expect(entries).toHaveLength(186);
    for (const entry of entries) {
      expect(Object.keys(entry)).toEqual(expect.arrayContaining(['code', 'name', 'description', 'category']));
    }
  });

  it('prints a table without --json', async () => {
    expect(await lookup('--list')).toBe(0);
    const lines = output.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CODE\s+SEVERITY\s+CATEGORY\s+NAME$/);
    expect(lines).toHaveLength(187);
    expect(lines.some((line) => /^pwd_leak\s+critical\s+/.test(line))).toBe(true);
  });
});

describe('lookup usage', () => {
  it.each([
    // [args, why it is a usage error]
    [['--bogus'], 'unknown option'],
    [['pwd_leak', '--nope'], 'unknown option after a query'],
    [[], 'no query and no --list'],
    [['--list', 'pwd_leak'], '--list with a query'],
  ])('exits 2 for %j (%s)', async (args) => {
    expect(await lookup(...args)).toBe(2);
    expect(output.stderr).not.toBe('');
  });

  it('prints help and exits 0 for --help', async () => {
    expect(await lookup('--help')).toBe(0);
    expect(output.stdout).toContain('Usage: auth0-log-alerts lookup');
    expect(output.stdout).toContain('--list');
  });
});
