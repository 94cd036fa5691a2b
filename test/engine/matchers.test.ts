import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS } from '../../src/auth0/log-event.js';
import { RuleRegexError, buildWherePredicate, compileRuleRegex, globToRegExp } from '../../src/engine/matchers.js';
import { ConditionSchema, WhereSchema } from '../../src/engine/rule-schema.js';

const event = {
  type: 'sapi',
  ip: '10.1.2.3',
  ip6: '2001:db8::5',
  user_id: '',
  user_name: 'Alice@Example.com',
  connection: 'Username-Password-Authentication',
  isMobile: false,
  retries: 3,
  description: 'Update brute force protection settings',
  details: { request: { path: '/api/v2/attack-protection/brute-force-protection', scopes: ['read:logs', 'update:x'] } },
};

const matches = (field: string, condition: unknown): boolean =>
  buildWherePredicate({ [field]: ConditionSchema.parse(condition) })(event);

describe('where operators', () => {
  it.each([
    // equals: exact, case-sensitive; scalars compare by their text
    ['equals a string', 'connection', { equals: 'Username-Password-Authentication' }, true],
    ['equals is case-sensitive', 'connection', { equals: 'username-password-authentication' }, false],
    ['equals a boolean', 'isMobile', { equals: false }, true],
    ['equals a number', 'retries', { equals: 3 }, true],
    ['equals on a missing field', 'nope', { equals: 'x' }, false],
    ['not_equals a different value', 'connection', { not_equals: 'google-oauth2' }, true],
    ['not_equals the same value', 'connection', { not_equals: 'Username-Password-Authentication' }, false],
    // negative operators need the field: "country not DE" says nothing about an event without a country
    ['not_equals does not hold for a missing field', 'nope', { not_equals: 'x' }, false],
    ['not_equals does not hold for an empty field', 'user_id', { not_equals: 'x' }, false],
    ['in a list', 'type', { in: ['f', 'sapi'] }, true],
    ['in a list without it', 'type', { in: ['f', 'fp'] }, false],
    ['not_in a list without it', 'type', { not_in: ['f', 'fp'] }, true],
    ['not_in a list with it', 'type', { not_in: ['sapi'] }, false],
    ['not_in does not hold for a missing field', 'nope', { not_in: ['x'] }, false],
    ['contains, case-insensitive', 'description', { contains: 'BRUTE FORCE' }, true],
    ['contains, absent substring', 'description', { contains: 'mfa' }, false],
    ['contains searches array elements', 'details.scopes', { contains: 'x' }, false],
    ['contains on a nested array', 'details.request.scopes', { contains: 'update:' }, true],
    ['regex, case-insensitive and unanchored', 'description', { regex: 'brute[- ]?force' }, true],
    ['regex that does not match', 'description', { regex: '^brute' }, false],
    ['regex on a dotted path', 'details.request.path', { regex: '^/api/v2/attack-protection/' }, true],
    ['not_regex that does not match', 'description', { not_regex: '^mfa' }, true],
    ['not_regex that matches, case-insensitive', 'description', { not_regex: 'BRUTE' }, false],
    ['not_regex over array elements: one match is enough to fail', 'details.request.scopes', { not_regex: '^update:' }, false],
    ['not_regex does not hold for a missing field', 'nope', { not_regex: 'x' }, false],
    ['cidr inside', 'ip', { cidr: ['10.0.0.0/8'] }, true],
    ['cidr outside', 'ip', { cidr: '192.168.0.0/16' }, false],
    ['cidr with IPv6', 'ip6', { cidr: ['2001:db8::/32'] }, true],
    ['cidr on a non-IP value', 'user_name', { cidr: ['0.0.0.0/0'] }, false],
    ['not_cidr outside', 'ip', { not_cidr: ['192.168.0.0/16'] }, true],
    ['not_cidr inside', 'ip', { not_cidr: ['10.0.0.0/8', '172.16.0.0/12'] }, false],
    ['not_cidr does not hold for a missing IP', 'nope', { not_cidr: ['10.0.0.0/8'] }, false],
    ['not_cidr on a non-IP value holds (it is outside every range)', 'user_name', { not_cidr: ['10.0.0.0/8'] }, true],
    ['exists: true on a value', 'user_name', { exists: true }, true],
    ['exists: true on an empty string (Auth0 sends user_id: "")', 'user_id', { exists: true }, false],
    ['exists: false on a missing field', 'details.request.body', { exists: false }, true],
    ['exists: false on a value', 'ip', { exists: false }, false],
    ['several operators on one field must all hold', 'description', { contains: 'update', regex: 'mfa' }, false],
  ])('%s', (_name, field, condition, expected) => {
    expect(matches(field, condition)).toBe(expected);
  });

  it('requires every field condition to hold', () => {
    const where = {
      type: ConditionSchema.parse({ equals: 'sapi' }),
      ip: ConditionSchema.parse({ cidr: ['192.168.0.0/16'] }),
    };
    expect(buildWherePredicate(where)(event)).toBe(false);
    expect(buildWherePredicate({ type: where.type })(event)).toBe(true);
    expect(buildWherePredicate(undefined)(event)).toBe(true);
  });
});

describe('any and not', () => {
  const holds = (where: unknown): boolean => buildWherePredicate(WhereSchema.parse(where))(event);

  it.each([
    // any: at least one block holds (OR across different fields)
    ['any with one block holding', { any: [{ ip: { cidr: '192.168.0.0/16' } }, { connection: { equals: 'Username-Password-Authentication' } }] }, true],
    ['any with no block holding', { any: [{ ip: { cidr: '192.168.0.0/16' } }, { type: { equals: 'f' } }] }, false],
    // a block inside any needs all its conditions
    ['any block with two conditions, one failing', { any: [{ type: { equals: 'sapi' }, ip: { cidr: '192.168.0.0/16' } }] }, false],
    // not: the whole block must fail
    ['not of a holding block', { not: { type: { equals: 'sapi' } } }, false],
    ['not of a failing block', { not: { type: { equals: 'f' } } }, true],
    ['not of a two-condition block where one fails', { not: { type: { equals: 'sapi' }, retries: { equals: 4 } } }, true],
    // not negates literally: a missing field satisfies not-equals-x (unlike not_equals)
    ['not on a missing field', { not: { nope: { equals: 'x' } } }, true],
    // the explicit "other than DE, or no location at all"
    ['absence matched explicitly with any + exists: false', { any: [{ nope: { not_equals: 'DE' } }, { nope: { exists: false } }] }, true],
    ['field conditions and combinators together', { type: { equals: 'sapi' }, not: { ip: { cidr: '10.0.0.0/8' } } }, false],
    ['nested: not inside any', { any: [{ not: { ip: { cidr: '10.0.0.0/8' } } }, { retries: { equals: 3 } }] }, true],
  ])('%s', (_name, where, expected) => {
    expect(holds(where)).toBe(expected);
  });
});

describe('code globs', () => {
  it.each([
    ['gd_*', 'gd_send_sms', true],
    ['gd_*', 'gd', false],
    ['gd_*', 'xgd_send', false],
    ['limit_??', 'limit_wc', true],
    ['limit_??', 'limit_sul', false],
    ['s.p', 'sap', false], // dots are literal
  ])('%s against %s', (glob, code, expected) => {
    expect(globToRegExp(glob).test(code)).toBe(expected);
  });
});

describe('odd-typed values (issue 11: how operators see them)', () => {
  // After normalisation numbers and booleans are strings; tests also feed raw values, as a log stream might.
  const odd = {
    user_name: '{"nested":"object"}',
    num: 42,
    flag: false,
    scope_string: 'read:users delete:users',
    scope_array: ['read:users', 'delete:users'],
    ips: ['10.0.0.1', '203.0.113.9'],
    object: { a: 'b' },
    empty: [],
  };
  const check = (field: string, condition: unknown): boolean => buildWherePredicate({ [field]: ConditionSchema.parse(condition) })(odd);

  it.each([
    // a rendered object is text like any other
    ['a rendered object is searchable text', 'user_name', { contains: 'nested' }, true],
    ['a number equals its text', 'num', { equals: '42' }, true],
    ['a number is in a list of numbers', 'num', { in: [41, 42] }, true],
    ['a boolean matches a regex on its text', 'flag', { regex: '^false$' }, true],
    // scope: the same rule works on the string (Management API) and the array (log streams)
    ['contains on a scope string', 'scope_string', { contains: 'delete:users' }, true],
    ['contains on a scope array', 'scope_array', { contains: 'delete:users' }, true],
    ['regex on a scope array', 'scope_array', { regex: '^delete:' }, true],
    ['equals on an array: any element', 'scope_array', { equals: 'delete:users' }, true],
    ['in on an array: any element', 'scope_array', { in: ['delete:users'] }, true],
    ['not_equals on an array: no element equals', 'scope_array', { not_equals: 'delete:users' }, false],
    ['not_in on an array: no element listed', 'scope_array', { not_in: ['write:users'] }, true],
    ['cidr on an array of IPs: any inside', 'ips', { cidr: '203.0.113.0/24' }, true],
    ['not_cidr on an array of IPs: none inside', 'ips', { not_cidr: '10.0.0.0/8' }, false],
    // objects (never rendered outside display fields) pass no operator but exists
    ['equals on an object', 'object', { equals: 'b' }, false],
    ['contains on an object', 'object', { contains: 'b' }, false],
    ['not_equals on an object holds', 'object', { not_equals: 'b' }, true],
    ['exists on an object', 'object', { exists: true }, true],
    ['exists on an empty array', 'empty', { exists: true }, true],
    ['a path through a scalar is missing', 'num.x', { exists: false }, true],
    // inherited properties are never fields
    ['constructor is not a field', 'constructor', { exists: false }, true],
    ['__proto__ paths are not fields', 'object.__proto__.toString', { exists: false }, true],
  ])('%s', (_name, field, condition, expected) => {
    expect(check(field, condition)).toBe(expected);
  });
});

describe('rule regex: RE2, linear time (issue 11, point 2)', () => {
  it('a backtracking pattern against a 5,000-character user name answers (the old engine never did)', () => {
    const predicate = buildWherePredicate({ user_name: ConditionSchema.parse({ regex: '^(a+)+$' }) });
    expect(predicate({ user_name: `${'a'.repeat(5_000)}!` })).toBe(false);
    expect(predicate({ user_name: 'aaaa' })).toBe(true);
    const nested = buildWherePredicate({ user_name: ConditionSchema.parse({ regex: '(x+x+)+y' }) });
    expect(nested({ user_name: 'x'.repeat(5_000) })).toBe(false);
  });

  it('keeps the documented semantics: case-insensitive, unanchored, Unicode-aware', () => {
    const re = compileRuleRegex('brute[- ]?force');
    expect(re.test('Update BRUTE FORCE protection')).toBe(true);
    expect(compileRuleRegex('^é$').test('É')).toBe(true);
    expect(compileRuleRegex('\\bmfa\\b').test('enable MFA now')).toBe(true);
    expect(compileRuleRegex('^.$').test('😀')).toBe(true);
  });

  it.each([
    ['(?=admin)', 'invalid or unsupported Perl syntax'],
    ['(a)\\1', 'invalid escape sequence'],
    ['[a-', 'missing closing ]'],
    ['a{1001}', 'invalid repeat count'],
  ])('rejects %j, naming why', (source, reason) => {
    expect(() => compileRuleRegex(source)).toThrow(RuleRegexError);
    expect(() => compileRuleRegex(source)).toThrow(reason);
    const parsed = ConditionSchema.safeParse({ regex: source });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(new RegExp(`^invalid regex: not a valid RE2 regular expression: .*${reason.replace(/[\]]/g, '\\$&')}`));
  });

  it.each([
    ['(?<=admin)x', 'lookbehind (?<=…) / (?<!…) is not supported'],
    ['(?<!admin)x', 'lookbehind (?<=…) / (?<!…) is not supported'],
    ['(?=admin)', 'lookahead (?=…) / (?!…) is not supported'],
    ['(a)\\1', 'backreferences (\\1, \\k<name>) are not supported'],
  ])('names what RE2 leaves out in %j (RE2 alone says "invalid named capture" for a lookbehind)', (source, named) => {
    expect(() => compileRuleRegex(source)).toThrow(named);
  });

  it('quotes the pattern as written, without the (?i) the engine adds', () => {
    expect(() => compileRuleRegex('(admin')).toThrow('missing closing ): `(admin`');
    expect(() => compileRuleRegex('\\d+\\.')).not.toThrow();
  });

  it('matches only the first EVENT_LIMITS.valueLength characters of a longer text', () => {
    const re = compileRuleRegex('needle');
    expect(re.test(`${'x'.repeat(EVENT_LIMITS.valueLength - 10)}needle`)).toBe(true);
    expect(re.test(`${'x'.repeat(EVENT_LIMITS.valueLength)}needle`)).toBe(false);
  });

  it('code globs match the whole code, in linear time', () => {
    expect(globToRegExp('*a*a*a*a*a*b').test('a'.repeat(5_000))).toBe(false);
    expect(globToRegExp('gd_*').test('gd_(x)')).toBe(true);
    expect(globToRegExp('a.b').test('a.b')).toBe(true);
  });
});
