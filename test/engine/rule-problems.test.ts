import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadRuleFile } from '../../src/engine/index.js';

const catalog = loadCatalog();
const base = 'id: x\nseverity: low\n';
const load = (text: string) => loadRuleFile('x.yml', text, catalog);
const messages = (text: string) => load(text).problems.map((problem) => problem.message);

describe('rule problems in plain words, each once, with suggestions', () => {
  it.each([
    // misspelt keys at every level
    ['a misspelt top-level key', `${base}match: { codes: [fp] }\nthrotle: 1h\n`, ["x.yml:4:1 throtle: unknown key 'throtle' — did you mean 'throttle'?"]],
    ['a misspelt match key', `${base}match:\n  codes: [fp]\n  wehre: {}\n`, ["x.yml:5:3 match.wehre: unknown key 'wehre' — did you mean 'where'?"]],
    ['a misspelt test key', `${base}match: { codes: [fp] }\ntests:\n  - name: t\n    events: [{ event: {}, repet: 2 }]\n    expect: { alerts: 0 }\n`, ["x.yml:6:27 tests[0].events[0].repet: unknown key 'repet' — did you mean 'repeat'?"]],
    // a misspelt required key is one problem: not also "<the right key>: required"
    ['a misspelt required key of throttle', `${base}match: { codes: [fp] }\nthrottle: { periode: 1h }\n`, ["x.yml:4:13 throttle.periode: unknown key 'periode' — did you mean 'period'?"]],
    ['misspelt required keys of a test', `${base}match: { codes: [fp] }\ntests:\n  - name: t\n    event: [{ event: {} }]\n    expects: { alerts: 0 }\n`, [
      "x.yml:6:5 tests[0].event: unknown key 'event' — did you mean 'events'?",
      "x.yml:7:5 tests[0].expects: unknown key 'expects' — did you mean 'expect'?",
    ]],
    ['a misspelt match (required by a refinement)', `${base}mach: { codes: [fp] }\n`, ["x.yml:3:1 mach: unknown key 'mach' — did you mean 'match'?"]],
    // an unknown key far from any known one lists what is allowed
    ['an unknown key', `${base}match: { codes: [fp] }\ncolour: red\n`, ['x.yml:4:1 colour: unknown key \'colour\' (expected one of: id, title, description, severity, enabled, match, threshold, sequence, impossible_travel, new_value, throttle, channel, mention, runbook, tests)']],
    // `not` is not an operator: the negative operators are offered, and "no operator" is not said as well
    ['a wrong operator', `${base}match:\n  codes: [fp]\n  where:\n    ip: { not: 10.0.0.1 }\n`, ["x.yml:6:11 match.where.ip.not: unknown operator 'not' — did you mean 'not_equals' or 'not_in'?"]],
    ['a misspelt operator', `${base}match:\n  codes: [fp]\n  where:\n    ip: { eqals: 10.0.0.1 }\n`, ["x.yml:6:11 match.where.ip.eqals: unknown operator 'eqals' — did you mean 'equals'?"]],
    // wrong types say what was expected and what was found
    ['a wrong type', `${base}match: { codes: [fp] }\ntests:\n  - name: t\n    events: [{ event: {} }]\n    expect: { alerts: many }\n`, ["x.yml:7:23 tests[0].expect.alerts: expected a number, found the text 'many'"]],
    ['a wrong enum value', 'id: x\nseverity: hihg\nmatch: { codes: [fp] }\n', ["x.yml:2:11 severity: 'hihg' is not one of info, low, medium, high, critical — did you mean 'high'?"]],
    ['an empty list', `${base}match: { codes: [fp], where: { any: [] } }\n`, ['x.yml:3:37 match.where.any: any needs at least one block of conditions']],
    // a union says which shapes it takes, or looks inside the shape that fits
    ['a throttle of the wrong shape', `${base}match: { codes: [fp] }\nthrottle: [1h]\n`, ['x.yml:4:11 throttle: expected text or a mapping (key: value), found a list']],
    ['a throttle mapping with a bad period', `${base}match: { codes: [fp] }\nthrottle: { period: soon }\n`, ['x.yml:4:21 throttle.period: expected a duration like 30s, 5m, 1h or 1d (a positive whole number and one unit)']],
    // a misspelt field is one problem, not also a complaint about its condition
    ['a misspelt field with a bad condition', `${base}match:\n  codes: [fp]\n  where:\n    usr_name: [a]\n`, ["x.yml:6:5 match.where.usr_name: unknown field 'usr_name': Auth0 log events have no such field — did you mean 'user_name'?"]],
  ])('%s', (_name, text, expected) => {
    const found = messages(text);
    expect(found).toEqual(expected);
    for (const message of found) expect(message).not.toMatch(/Invalid input|Unrecognized key|Too small|received/);
  });
});

describe('field names are checked wherever a rule names one', () => {
  it.each([
    ['where, inside any', 'match:\n  codes: [fp]\n  where:\n    any:\n      - { usr_id: { equals: a } }\n', "match.where.any[0].usr_id: unknown field 'usr_id'"],
    ['where, inside not', 'match:\n  codes: [fp]\n  where:\n    not: { ipp: { exists: true } }\n', "match.where.not.ipp: unknown field 'ipp'"],
    ['threshold.group_by', 'match: { codes: [fp] }\nthreshold: { count: 2, window: 1m, group_by: [ipp] }\n', "threshold.group_by[0]: unknown field 'ipp'"],
    ['threshold.distinct', 'match: { codes: [fp] }\nthreshold: { count: 2, window: 1m, distinct: user_nme }\n', "threshold.distinct: unknown field 'user_nme'"],
    ['throttle.by', 'match: { codes: [fp] }\nthrottle: { period: 1h, by: [usr_id] }\n', "throttle.by[0]: unknown field 'usr_id'"],
    ['the title', 'title: "From {{ipp}}"\nmatch: { codes: [fp] }\n', "title: {{ipp}}: unknown field 'ipp'"],
    ['the description standing in for a title', 'description: "From {{ipp}}"\nmatch: { codes: [fp] }\n', "description: {{ipp}}: unknown field 'ipp'"],
  ])('%s', (_name, rest, expected) => {
    const result = load(`${base}${rest}`);
    expect(result.rule).toBeUndefined();
    expect(result.problems.map((problem) => problem.message).join('\n')).toContain(expected);
  });

  it('accepts known fields, aggregates in titles and the any/not combinators', () => {
    const result = load(
      `${base}title: "{{count}} from {{ip}} ({{location_info.country_name}}, {{distinct_count}})"\nmatch:\n  codes: [fp]\n  where:\n    any:\n      - { location_info.country_code: { not_in: [DE, FR] } }\n      - { location_info.country_code: { exists: false } }\n    not: { user_agent: { regex: bot } }\n    ip: { not_regex: "^10\\\\." }\nthreshold: { count: 2, window: 1m, group_by: [ip], distinct: user_name }\n`,
    );
    expect(result.problems).toEqual([]);
    expect(result.warnings.filter((warning) => warning.includes('field'))).toEqual([]);
  });

  it('only warns about an unknown details path (details vary by event code) and still loads the rule', () => {
    const result = load(`${base}match:\n  codes: [sapi]\n  where:\n    details.request.pth: { contains: mfa }\n`);
    expect(result.problems).toEqual([]);
    expect(result.rule?.id).toBe('x');
    expect(result.warnings).toContain(
      "x.yml:6:5 match.where.details.request.pth: 'details.request.pth' is not a details field Auth0 is known to send (details vary by event code; check a real event) — did you mean 'details.request.path'?",
    );
  });
});
