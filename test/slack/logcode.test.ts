import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import type { Catalog } from '../../src/catalog/types.js';
import { createLogcodeHandler, type LogcodeDeps, type LogcodeReply, type LogcodeRule } from '../../src/slack/logcode.js';
import { FIXED_NOW, SAMPLE_RULES, SAMPLE_STATUS, replyText } from '../helpers/bolt-fixtures.js';
import { seededRandom } from '../helpers/bolt-signed.js';
import { silentLogger } from '../../src/log.js';
import { describeRule, loadRules, ruleCodes } from '../../src/engine/index.js';

const catalog = loadCatalog();

function handler(overrides: Partial<LogcodeDeps> = {}) {
  return createLogcodeHandler({
    catalog,
    rules: () => SAMPLE_RULES,
    status: () => SAMPLE_STATUS,
    defaultChannel: '#alerts',
    now: () => FIXED_NOW,
    ...overrides,
  });
}

/** Slack's limits every reply must respect, and the only `<` sequences we emit ourselves. */
function expectWithinSlackLimits(reply: LogcodeReply): void {
  expect(reply.response_type).toBe('ephemeral');
  expect(reply.text.length).toBeGreaterThan(0);
  expect(reply.text.length).toBeLessThanOrEqual(3000);
  expect(reply.blocks.length).toBeGreaterThan(0);
  expect(reply.blocks.length).toBeLessThanOrEqual(50);
  for (const block of reply.blocks as Array<{ text?: { text: string }; elements?: Array<{ text: string }> }>) {
    const texts = [block.text?.text, ...(block.elements ?? []).map((element) => element.text)].filter((t): t is string => t !== undefined);
    for (const text of texts) {
      expect(text.length).toBeGreaterThan(0);
      expect(text.length).toBeLessThanOrEqual(3000);
      // Only our own links (docs, channel ids) may open a Slack control sequence.
      for (const match of text.matchAll(/</g)) {
        expect(text.slice(match.index)).toMatch(/^<(https:\/\/|#C[A-Z0-9]+>)/);
      }
    }
  }
}

describe('/logcode <code>', () => {
  it('shows the catalog entry with its docs link and says when no rule watches it', async () => {
    const entry = catalog.get('fcoa')!;
    const reply = await handler()('fcoa');
    const text = replyText(reply);
    expect(text).toContain(`\`fcoa\` — ${entry.name}`);
    expect(text).toContain(entry.category);
    expect(text).toContain(`*Outcome:* ${entry.outcome}`);
    if (entry.docsUrl) expect(text).toContain(`<${entry.docsUrl}|Auth0 docs>`);
    expect(text).toContain('No enabled rule watches this code.');
    expectWithinSlackLimits(reply);
  });

  it.each([
    // exact code in an enabled rule; the disabled rule on the same code is not listed; no channel → default
    { query: 'pwd_leak', watchers: ['breached-password'], not: ['disabled-leak'], details: ['*high* → #alerts', 'every matching event'] },
    // tolerant lookup: caps, backticks, leading slash
    { query: ' `/PWD_LEAK` ', watchers: ['breached-password'], not: ['disabled-leak'], details: [] },
    // a glob pattern counts; a channel id renders as a channel link
    { query: 'gd_send_sms', watchers: ['guardian-any'], not: ['breached-password'], details: ['<#C0123456789>'] },
    // threshold with group_by and distinct, explicit channel
    { query: 'fp', watchers: ['failed-login-burst'], not: ['guardian-any'], details: ['≥ 10 distinct user_name within 5m per ip', '#sec-alerts'] },
  ])('lists the enabled rules watching $query', async ({ query, watchers, not, details }) => {
    const text = replyText(await handler()(query));
    for (const id of watchers) expect(text).toContain(`\`${id}\``);
    for (const id of not) expect(text).not.toContain(`\`${id}\``);
    for (const detail of details) expect(text).toContain(detail);
    expect(text).toContain(`Watched by ${watchers.length} enabled rule`);
  });
});

describe('/logcode with the default rules', () => {
  // The wiring the run command uses: the engine's loader and describeRule, unchanged.
  const loaded = loadRules(fileURLToPath(new URL('../../rules', import.meta.url)), catalog);
  const real = handler({ rules: () => loaded.rules.map(describeRule) });

  it('loads the bundled rules without problems', async () => {
    expect(loaded.problems).toEqual([]);
    expect(loaded.rules.length).toBeGreaterThan(0);
  });

  it.each(['pwd_leak', 'fp'])('names every enabled bundled rule watching %s', async (code) => {
    const text = replyText(await real(code));
    const expected = loaded.rules.filter((rule) => rule.enabled !== false && ruleCodes(rule).includes(code));
    expect(expected.length).toBeGreaterThan(0);
    for (const rule of expected) expect(text).toContain(`\`${rule.id}\` — *${rule.severity}*`);
  });

  it('lists every enabled bundled rule', async () => {
    const text = replyText(await real('rules'));
    for (const rule of loaded.rules.filter((r) => r.enabled !== false)) expect(text).toContain(`\`${rule.id}\``);
  });
});

describe('/logcode <words> and typos', () => {
  it('lists the ranked matches for words, at most ten, best first', async () => {
    const reply = await handler()('breached password');
    const expected = catalog.search('breached password', 10).map((match) => match.entry.code);
    const listed = [...replyText(reply).matchAll(/^• `([^`]+)`/gm)].map((match) => match[1]);
    expect(listed).toEqual(expected);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed).toContain('pwd_leak');
    expectWithinSlackLimits(reply);
  });

  it('caps a broad search at ten lines', async () => {
    const listed = [...replyText(await handler()('login')).matchAll(/^• `/gm)];
    expect(listed.length).toBe(Math.min(10, catalog.search('login', 10).length));
  });

  it('asks "did you mean" for a mistyped code', async () => {
    const reply = await handler()('pwdleak');
    expect(replyText(reply)).toContain('Did you mean `pwd_leak`');
    expect(reply.text).toContain('pwd_leak');
  });

  it('says nothing matched, echoing the query escaped', async () => {
    const text = replyText(await handler()('zzqx <!channel> & qqzx'));
    expect(text).toContain('No log event code matches `zzqx &lt;!channel&gt; &amp; qqzx`');
    expect(text).not.toContain('<!channel>');
  });
});

describe('/logcode help, rules, status', () => {
  it.each(['', '   ', 'help', 'HELP', '--help', '?'])('shows usage for %j', async (input) => {
    const text = replyText(await handler()(input));
    for (const form of ['/logcode fcoa', '/logcode rules', '/logcode status', '/logcode breached password']) expect(text).toContain(form);
  });

  it('lists only enabled rules with codes, threshold and channel', async () => {
    const reply = await handler()('rules');
    const text = replyText(reply);
    expect(text).toContain('3 enabled rules');
    expect(text).toMatch(/`breached-password` \*high\* — `pwd_leak`, `signup_pwd_leak`, `reset_pwd_leak` — every matching event → #alerts/);
    expect(text).toContain('`gd_*`');
    expect(text).toContain('≥ 10 distinct user_name within 5m per ip → #sec-alerts');
    expect(text).not.toContain('disabled-leak');
    expectWithinSlackLimits(reply);
  });

  it('says so when no rule is enabled', async () => {
    expect(replyText(await handler({ rules: () => [] })('rules'))).toContain('No enabled rules');
  });

  it('keeps a huge rule set within Slack limits and says how many were left out', async () => {
    const many: LogcodeRule[] = Array.from({ length: 2000 }, (_, index) => ({
      id: `rule-${index}-${'x'.repeat(40)}`,
      severity: 'medium',
      enabled: true,
      codes: Array.from({ length: 30 }, (_, code) => `code_${code}`),
      trigger: 'every matching event',
    }));
    const reply = await handler({ rules: () => many })('rules');
    expectWithinSlackLimits(reply);
    expect(replyText(reply)).toMatch(/…and \d+ more not shown\./);
    expect(replyText(reply)).toContain('+18 more');
  });

  it('reports last poll, checkpoint age and outbox state, escaping the error text', async () => {
    const reply = await handler()('status');
    const text = replyText(reply);
    expect(text).toContain('*Last poll:* 30s ago (2025-01-01T11:59:30.000Z) — failed: Auth0 GET /api/v2/logs failed (HTTP 429 &lt;rate limited&gt;)');
    expect(text).toContain('*Last successful poll:* 2m ago');
    expect(text).toContain('events up to 10m old');
    expect(text).toContain('*Outbox:* 3 pending, 1 failed');
    expect(text).toContain('• #sec-alerts: 3 pending, 1 failed');
    expect(text).not.toContain('#idle');
    expectWithinSlackLimits(reply);
  });

  it('says status is not available before the first poll', async () => {
    expect(replyText(await handler({ status: () => undefined })('status'))).toContain('not available yet');
    expect(replyText(await handler({ status: undefined })('status'))).toContain('not available yet');
  });
});

describe('/logcode never throws', () => {
  it('answers with an apology and logs when a dependency throws', async () => {
    const logger = silentLogger();
    const error = vi.spyOn(logger, 'error');
    const broken: Catalog = { ...catalog, get: () => { throw new Error('boom'); } };
    const reply = await handler({ catalog: broken, logger })('fcoa');
    expect(replyText(reply)).toContain('lookup failed');
    expect(error).toHaveBeenCalledOnce();
    expect(replyText(await handler({ rules: () => { throw new Error('no rules'); } })('rules'))).toContain('lookup failed');
  });

  it('handles a few hundred random inputs within Slack limits', async () => {
    const random = seededRandom(20250101);
    const alphabet = [
      ...'abcdefghijklmnopqrstuvwxyz_0123456789 *?`/\\&<>|"\'',
      '\u0000', '\u0007', '\n', '\t', '\r', '\u200b', '\u2028', '\ud83d\udea8', 'é', '漢', '\ud800', '\u202e',
      '<!channel>', '<!here>', '<@U123>', '<https://evil.example|click>', '&amp;', 'pwd_leak', 'rules', 'status', 'help',
    ];
    const inputs: string[] = ['x'.repeat(100_000), '<!channel> '.repeat(5000), '\ud83d'.repeat(4000), 'gd_* '.repeat(1000)];
    while (inputs.length < 300) {
      const length = Math.floor(random() ** 3 * 600);
      let text = '';
      for (let index = 0; index < length; index++) text += alphabet[Math.floor(random() * alphabet.length)];
      inputs.push(text);
    }
    const run = handler();
    for (const input of inputs) {
      let reply: LogcodeReply | undefined;
      reply = await run(input);
      expectWithinSlackLimits(reply!);
      expect(replyText(reply!)).not.toContain('lookup failed');
    }
    // Fuzzy search over the real catalog costs tens of ms per query; a loaded CI box needs room.
  }, 120_000);
});
