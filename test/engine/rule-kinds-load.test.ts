import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { describeRule, loadRuleFile } from '../../src/engine/index.js';

const catalog = loadCatalog();
const load = (text: string) => loadRuleFile('x.yml', text, catalog);

const SEQUENCE = `id: guessed
severity: high
sequence:
  by: [user_id]
  within: 10m
  steps:
    - { codes: [f, fp], count: 5 }
    - { codes: [s] }
`;

describe('rule kinds in rule files', () => {
  it.each([
    // a sequence names its codes in its steps, and they are checked against the catalog like match.codes
    ['an unknown step code', SEQUENCE.replace('[f, fp]', '[f, limit-mu]'), "x.yml:7:20 sequence.steps[0].codes[1]: unknown code 'limit-mu' — did you mean 'limit_mu'?"],
    ['a step keyed by more fields than the sequence', SEQUENCE.replace('{ codes: [s] }', '{ codes: [s], by: [ip, user_id] }'), 'x.yml:8:25 sequence.steps[1].by: expected 1 field(s), joined in order to sequence.by (user_id)'],
    ['a sequence of one step', SEQUENCE.replace('    - { codes: [s] }\n', ''), 'sequence.steps: a sequence needs at least two steps'],
    ['match beside a sequence', `${SEQUENCE}match: { codes: [s] }\n`, 'match: a sequence names its codes in its steps; remove match'],
    ['two kinds in one rule', 'id: x\nseverity: low\nmatch: { codes: [s] }\nthreshold: { count: 2, window: 1m }\nnew_value: { field: ip, by: [user_id] }\n', 'new_value: a rule has one kind: threshold and new_value cannot be combined'],
    ['throttle.by on a keyed kind', 'id: x\nseverity: low\nmatch: { codes: [s] }\nimpossible_travel: {}\nthrottle: { period: 1h, by: [ip] }\n', 'throttle.by: a impossible_travel rule groups by impossible_travel.by'],
    ['a misspelt travel option', 'id: x\nseverity: low\nmatch: { codes: [s] }\nimpossible_travel: { min_distance: 300 }\n', "x.yml:4:22 impossible_travel.min_distance: unknown key 'min_distance'"],
    ['a new_value without by', 'id: x\nseverity: low\nmatch: { codes: [s] }\nnew_value: { field: ip }\n', 'new_value.by: required'],
    ['a rule with neither match nor sequence', 'id: x\nseverity: low\n', 'match: required'],
    // the fields the kinds name are checked against Auth0's log event fields, like where and group_by
    ['a misspelt sequence key field', SEQUENCE.replace('by: [user_id]', 'by: [userid]'), "x.yml:4:8 sequence.by[0]: unknown field 'userid'"],
    ['a misspelt field in a step condition', SEQUENCE.replace('{ codes: [s] }', '{ codes: [s], where: { lp: { exists: true } } }'), "sequence.steps[1].where.lp: unknown field 'lp'"],
    ['a wrong location field for travel', 'id: x\nseverity: low\nmatch: { codes: [s] }\nnew_value: { field: location_info.country, by: [user_id] }\n', "new_value.field: unknown field 'location_info.country'"],
  ])('rejects %s, at file:line:col', (_name, text, expected) => {
    const result = load(text);
    expect(result.rule).toBeUndefined();
    expect(result.problems.map((problem) => problem.message).join('\n')).toContain(expected);
  });

  it('loads each kind and says what it does in `rules list` terms', () => {
    const rules = [
      SEQUENCE,
      'id: travel\nseverity: high\nmatch: { codes: [s] }\nimpossible_travel: {}\nthrottle: 1h\n',
      'id: country\nseverity: low\nmatch: { codes: [s] }\nnew_value: { field: location_info.country_code, by: [user_id], learn: 14d }\n',
      'id: phones\nseverity: medium\nmatch: { codes: [gd_enrollment_complete] }\nthreshold: { count: 2, window: 1d, group_by: [details.authenticator.phone_number], distinct: user_id }\n',
    ].map((text) => load(text));
    expect(rules.flatMap((result) => result.problems)).toEqual([]);
    expect(rules.map((result) => describeRule(result.rule!)).map(({ id, codes, trigger, throttle }) => ({ id, codes, trigger, throttle }))).toEqual([
      {
        id: 'guessed',
        codes: ['f', 'fp', 's'],
        trigger: 'sequence within 10m per user_id: ≥ 5 × f, fp → s',
        throttle: 'quiet 10m per user_id after an alert (matches become thread replies)',
      },
      {
        id: 'travel',
        codes: ['s'],
        trigger: 'impossible travel (> 500 km at > 1000 km/h) per user_id',
        throttle: 'quiet 1h per user_id after an alert (matches become thread replies)',
      },
      { id: 'country', codes: ['s'], trigger: 'new location_info.country_code per user_id (after learning 14d)', throttle: undefined },
      {
        id: 'phones',
        codes: ['gd_enrollment_complete'],
        trigger: '≥ 2 distinct user_id within 1d per details.authenticator.phone_number',
        throttle: 'quiet 1d per details.authenticator.phone_number after an alert (matches become thread replies)',
      },
    ]);
  });
});
