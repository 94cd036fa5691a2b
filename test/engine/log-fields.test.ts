import { describe, expect, it } from 'vitest';
import { checkFieldPath } from '../../src/engine/log-fields.js';
import { closestNames, didYouMean } from '../../src/engine/suggest.js';

describe('checkFieldPath against the Auth0 log event fields', () => {
  it.each([
    // fields of the Management API log schema and of the tenant-log event pages
    'ip',
    'user_name',
    'client_name',
    'connection',
    'user_agent',
    'location_info.country_code',
    'location_info.city_name',
    'security_context.ja4',
    'auth0_client.name',
    'organization_id',
    '$event_schema.version',
    'details.request.auth.user.email',
    // open objects: any path below them
    'details.request.body.email',
    'details.riskAssessment.assessments.ImpossibleTravel.code',
    'details.qs.client_id',
  ])('knows %s', (path) => {
    expect(checkFieldPath(path)).toBeUndefined();
  });

  it.each([
    // an unknown top-level field is an error, with the field a typo away
    ['lcation_info.country_code', 'error', "unknown field 'lcation_info': Auth0 log events have no such field — did you mean 'location_info'?"],
    ['usr_name', 'error', "unknown field 'usr_name': Auth0 log events have no such field — did you mean 'user_name'?"],
    // a nested field's name alone points at where it lives
    ['country_code', 'error', "unknown field 'country_code': Auth0 log events have no such field — did you mean 'location_info.country_code'?"],
    // fixed objects have fixed fields
    ['location_info.country', 'error', "unknown field 'location_info.country' — did you mean 'location_info.country_code' or 'location_info.country_code3'?"],
    ['security_context.ja5', 'error', "unknown field 'security_context.ja5' — did you mean 'security_context.ja3' or 'security_context.ja4'?"],
    ['location_info.zzz', 'error', "unknown field 'location_info.zzz': 'location_info' has country_code, country_code3"],
    ['user_agent.browser', 'error', "'user_agent' is a single value in Auth0 log events; it has no field 'browser'"],
    // details vary by event code: unknown paths there only warn
    ['details.request.pth', 'warning', "'details.request.pth' is not a details field Auth0 is known to send (details vary by event code; check a real event) — did you mean 'details.request.path'?"],
    ['details.whatever', 'warning', "'details.whatever' is not a details field Auth0 is known to send"],
    // inherited object properties are not fields
    ['constructor', 'error', "unknown field 'constructor'"],
  ])('%s → %s', (path, level, message) => {
    const problem = checkFieldPath(path);
    expect(problem?.level).toBe(level);
    expect(problem?.message).toContain(message);
  });

  it('accepts the extra names a context allows (count in titles, any/not in where)', () => {
    expect(checkFieldPath('count', { extraNames: ['count', 'distinct_count'] })).toBeUndefined();
    expect(checkFieldPath('cont', { extraNames: ['count'] })?.message).toContain("did you mean 'count'?");
  });
});

describe('suggestions', () => {
  it.each([
    ['wehre', ['where', 'codes'], ['where']],
    ['throtle', ['threshold', 'throttle'], ['throttle']],
    // a prefix offers the operators it starts, in the order given
    ['not', ['equals', 'not_equals', 'in', 'not_in', 'regex', 'not_regex'], ['not_equals', 'not_in']],
    // nothing close: no far-fetched hint
    ['colour', ['id', 'title', 'severity'], []],
    ['foo', ['to', 'qs'], []],
  ])('%s among %j', (typed, candidates, expected) => {
    expect(closestNames(typed, candidates)).toEqual(expected);
  });

  it('phrases one or several names', () => {
    expect(didYouMean('wehre', ['where'])).toBe(" — did you mean 'where'?");
    expect(didYouMean('not', ['not_equals', 'not_in'])).toBe(" — did you mean 'not_equals' or 'not_in'?");
    expect(didYouMean('xyz', ['where'])).toBe('');
  });
});
