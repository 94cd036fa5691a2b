import { describe, expect, it } from 'vitest';
import { CatalogEntrySchema, createCatalog, loadCatalog } from '../../src/catalog/index.js';
import { markdownCodes, newerCodes, sourceCategories } from './spec-codes.js';

const catalog = loadCatalog();

describe('catalog completeness against the Auth0 code lists', () => {
  const md = markdownCodes();
  const newer = newerCodes();

  it('parses 98 codes from the markdown list and 88 from the newer list, 186 distinct', () => {
    expect(md).toHaveLength(98);
    expect(newer).toHaveLength(88);
    expect(new Set([...md.map((c) => c.code), ...newer]).size).toBe(186);
  });

  it('holds every code of both lists and nothing else', () => {
    const expected = [...md.map((c) => c.code), ...newer].sort();
    const missing = expected.filter((code) => !catalog.get(code));
    expect(missing).toEqual([]);
    expect(catalog.all().map((e) => e.code)).toEqual(expected);
  });

  it('flags exactly the Managed Private Cloud section as privateCloudOnly', () => {
    const expected = md.filter((c) => c.privateCloudOnly).map((c) => c.code).sort();
    expect(expected).toHaveLength(5);
    expect(catalog.all().filter((e) => e.privateCloudOnly).map((e) => e.code)).toEqual(expected);
  });

  it('resolves every relative docs link of the markdown list to https://auth0.com/docs', () => {
    for (const { code, link } of md.filter((c) => c.link)) {
      expect(catalog.get(code)?.docsUrl, code).toBe(`https://auth0.com/docs${link}`);
    }
  });

  it('keeps the source categories of auth0-log-codes-categories.tsv', () => {
    for (const [code, categories] of sourceCategories()) {
      expect(catalog.get(code)?.sourceCategories, code).toEqual(categories);
    }
  });
});

describe('catalog entries', () => {
  it.each(catalog.all().map((e) => [e.code, e] as const))('%s validates and is filled in', (_code, entry) => {
    expect(CatalogEntrySchema.parse(entry)).toEqual(entry);
    expect(entry.name.trim()).not.toBe('');
    expect(entry.description.trim()).not.toBe('');
    expect(entry.category.trim()).not.toBe('');
    expect(entry.description).not.toMatch(/<[a-z/]/i); // no leftover HTML from the docs source
    // no leftover template placeholder from the docs source ("the IP address ip attempted …")
    expect(entry.description).not.toMatch(/\bIP address:? `?ip`?\b/);
    if (entry.docsUrl !== null) expect(entry.docsUrl).toMatch(/^https:\/\/auth0\.com\/docs\//);
  });

  it.each([
    // [code, severity, outcome] — the defaults rules inherit
    ['pwd_leak', 'critical', 'warning'],
    ['limit_mu', 'high', 'warning'],
    ['limit_wc', 'high', 'warning'],
    ['f', 'low', 'failure'],
    ['fp', 'low', 'failure'],
    ['s', 'info', 'success'],
    ['gd_send_sms', 'info', 'success'],
  ] as const)('%s defaults to severity %s with outcome %s', (code, severity, outcome) => {
    expect(catalog.get(code)).toMatchObject({ severity, outcome });
  });

  it.each([
    // delegation and hooks are deprecated features
    ['fd', true],
    ['sd', true],
    ['limit_delegation', true],
    ['fcph', true],
    ['s', false],
    ['pwd_leak', false],
  ] as const)('%s has legacy=%s', (code, legacy) => {
    expect(catalog.get(code)?.legacy).toBe(legacy);
  });
});

describe('get', () => {
  it.each([
    ['pwd_leak', 'pwd_leak'],
    ['PWD_LEAK', 'pwd_leak'], // upper case
    ['  fcoa \n', 'fcoa'], // surrounding whitespace
    ['`pwd_leak`', 'pwd_leak'], // pasted from Slack/markdown
    ['`PWD_LEAK`', 'pwd_leak'],
    ['/fcoa', 'fcoa'], // typed as a slash command
    [' /`Limit_WC` ', 'limit_wc'],
    ['s', 's'], // single-letter code
  ])('finds %j as %s', (query, code) => {
    expect(catalog.get(query)?.code).toBe(code);
  });

  it.each(['pwdleak', 'limit-wc', '', '   ', 'pwd_leak2', 'fco a'])('returns undefined for %j', (query) => {
    expect(catalog.get(query)).toBeUndefined();
  });
});

describe('search', () => {
  const codes = (query: string, limit?: number) => catalog.search(query, limit).map((m) => m.entry.code);

  it.each([
    // [query, expected code, within top N]
    ['breached password', 'pwd_leak', 1],
    ['blocked ip', 'limit_mu', 3],
    ['mfa sms', 'gd_send_sms', 3],
    ['connector offline', 'coff', 1],
    ['failed login', 'f', 3],
    ['refresh token', 'sertft', 5],
    ['breeched pasword', 'pwd_leak', 1], // typos inside keywords
    ['fcoa', 'fcoa', 1], // a code ranks itself first
    ['`PWD_LEAK`', 'pwd_leak', 1],
  ])('%j ranks %s within the top %i', (query, code, top) => {
    expect(codes(query).slice(0, top)).toContain(code);
  });

  it('returns matches best first with scores between 0 and 1', () => {
    const scores = catalog.search('password').map((m) => m.score);
    expect(scores.length).toBeGreaterThan(1);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    for (const score of scores) expect(score).toBeGreaterThanOrEqual(0);
    for (const score of scores) expect(score).toBeLessThanOrEqual(1);
  });

  it('narrows as words are added', () => {
    expect(codes('sms', 50).length).toBeGreaterThan(codes('sms failure', 50).length);
    expect(codes('sms failure', 50)).toContain('gd_send_sms_failure');
  });

  it('respects the limit', () => {
    expect(codes('failed', 4)).toHaveLength(4);
    expect(codes('pwd_leak', 1)).toEqual(['pwd_leak']);
  });

  it.each(['', '   ', 'xyzzy qqq'])('returns nothing for %j', (query) => {
    expect(catalog.search(query)).toEqual([]);
  });
});

describe('suggest', () => {
  it.each([
    ['pwdleak', 'pwd_leak'], // missing separator
    ['limit-wc', 'limit_wc'], // dash instead of underscore
    ['limit wc', 'limit_wc'],
    ['pwdlek', 'pwd_leak'], // missing letter too
    ['limtwc', 'limit_wc'],
    ['gd_send_smss', 'gd_send_sms'], // extra letter
    ['FCOAA', 'fcoa'],
  ])('suggests %s for %j first', (query, code) => {
    expect(catalog.suggest(query)[0]).toBe(code);
  });

  it('returns at most the limit, and nothing for gibberish', () => {
    expect(catalog.suggest('pwdleak', 2)).toHaveLength(2);
    expect(catalog.suggest('qqqq')).toEqual([]);
    expect(catalog.suggest('')).toEqual([]);
  });
});

describe('loadCatalog', () => {
  it('builds the catalog once per process', () => {
    expect(loadCatalog()).toBe(catalog);
  });

  it('indexes whatever entries it is given (so a dropped code is not found)', () => {
    const small = createCatalog({ entries: catalog.all().filter((e) => e.code !== 'pwd_leak') });
    expect(small.get('pwd_leak')).toBeUndefined();
    expect(small.all()).toHaveLength(185);
    expect(small.search('breached password')[0]?.entry.code).not.toBe('pwd_leak');
  });
});
