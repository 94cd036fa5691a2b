import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { BUNDLED_RULES_DIR, compileRules, evaluate, initialState, loadRules, testLogId, type Alert } from '../../src/engine/index.js';
import { compileTitle, MAX_TITLE_LENGTH } from '../../src/engine/template.js';
import { T0 } from '../helpers/engine-fixtures.js';

// A title placeholder whose field holds nothing must read naturally — never
// "Impossible travel for unknown" (a user called "unknown"?) — and never
// invent data: another field with the same meaning, else words that cannot
// pass for a value.
const render = (template: string, event: object, aggregates: { count?: number; distinct_count?: number } = {}) => compileTitle(template)(event, aggregates);

describe('title placeholders without a value', () => {
  it.each([
    // user: the name, else the id, else words; the noun the title already says is taken in.
    ['user name → user id', 'Impossible travel for {{user_name}}', { user_id: 'auth0|65f1' }, 'Impossible travel for auth0|65f1'],
    ['user name and id missing', 'Impossible travel for {{user_name}}: too far', {}, 'Impossible travel for an unnamed user: too far'],
    ['user id → user name', 'Login of {{user_id}}', { user_name: 'alice@example.com' }, 'Login of alice@example.com'],
    ['user id and name missing', 'Login of {{user_id}}', { user_id: '' }, 'Login of an unknown user'],
    ['"account {{user_name}}" takes the noun in', 'IP 203.0.113.7 blocked for account {{user_name}}', {}, 'IP 203.0.113.7 blocked for an unnamed account'],
    ['a user opening the title', '{{user_name}} rejected an MFA push', {}, 'An unnamed user rejected an MFA push'],
    ['a user opening a sentence', 'Password guessed? {{user_name}} logged in from {{ip}}', { ip: '198.51.100.23' }, 'Password guessed? An unnamed user logged in from 198.51.100.23'],
    // ip
    ['ip missing', 'Brute force from {{ip}}: 20 failed logins', {}, 'Brute force from an unknown IP: 20 failed logins'],
    ['"IP {{ip}}" takes the noun in', 'IP {{ip}} blocked for account {{user_name}}', { user_name: 'carol@example.com' }, 'An unknown IP blocked for account carol@example.com'],
    ['"IP address {{ip}}" keeps the longer noun', 'Blocked IP address {{ip}}', {}, 'Blocked an unknown IP address'],
    ['a word merely ending in "IP" is not taken', 'VIP {{ip}}', {}, 'VIP an unknown IP'],
    // client / application
    ['client name → client id', 'Token reused ({{client_name}})', { client_id: 'Xy12abc' }, 'Token reused (Xy12abc)'],
    ['client name and id missing', 'Token reused ({{client_name}})', {}, 'Token reused (an unknown application)'],
    ['"application {{client_id}}" takes the noun in', 'Secret read for application {{client_id}}', {}, 'Secret read for an unknown application'],
    // connection
    ['connection → connection id', 'Connector offline ({{connection}})', { connection_id: 'con_123' }, 'Connector offline (con_123)'],
    ['connection missing', 'Connector offline ({{connection}})', {}, 'Connector offline (an unknown connection)'],
    // location
    ['country name → country code', 'New country: {{location_info.country_name}}', { location_info: { country_code: 'BR' } }, 'New country: BR'],
    ['country missing', 'New country: {{location_info.country_name}}', { location_info: {} }, 'New country: an unknown country'],
    ['"country {{location_info.country_code}}" takes the noun in', 'Login from country {{location_info.country_code}}', {}, 'Login from an unknown country'],
    ['city missing', 'Login in {{location_info.city_name}}', {}, 'Login in an unknown city'],
    ['another location field in words', 'Zone {{location_info.time_zone}}', {}, 'Zone an unknown time zone'],
    // details.*: the Management API caller, else the application that called, else words; any other path in words.
    ['caller e-mail → caller name', 'Changed by {{details.request.auth.user.email}}', { details: { request: { auth: { user: { name: 'Denethor' } } } } }, 'Changed by Denethor'],
    ['caller → the calling application', 'Changed by {{details.request.auth.user.email}}', { client_name: 'Terraform', details: { request: { auth: {} } } }, 'Changed by Terraform'],
    ['caller unknown', 'Changed by {{details.request.auth.user.email}}', {}, 'Changed by an unknown caller'],
    ['a details path in words', 'Shared phone {{details.authenticator.phone_number}}', { details: {} }, 'Shared phone an unknown phone number'],
    ['a camelCase details path in words', 'Family {{details.familyId}}', {}, 'Family an unknown family id'],
    // other event fields and aggregates
    ['description missing', 'Rate limit reached: {{description}}', {}, 'Rate limit reached: no description'],
    ['a value of blanks only', 'Rate limit reached: {{description}}', { description: ' \n\t ' }, 'Rate limit reached: no description'],
    ['user agent missing', 'Client {{user_agent}}', {}, 'Client an unknown user agent'],
    ['distinct count missing', 'One family used from {{distinct_count}} user agents', {}, 'One family used from an unknown number of user agents'],
  ])('%s', (_name, template, event, expected) => {
    expect(render(template, event)).toBe(expected);
  });

  it('uses the values that are there unchanged (one line, cut to 80 characters)', () => {
    const event = { user_name: 'alice@example.com', ip: '203.0.113.7', description: 'two\nlines', client_name: 'x'.repeat(200) };
    expect(render('{{user_name}} from IP {{ip}}: {{description}} ({{client_name}}) ×{{count}}', event, { count: 0 })).toBe(
      `alice@example.com from IP 203.0.113.7: two lines (${'x'.repeat(79)}…) ×0`,
    );
  });

  it('never writes the bare word "unknown" for a missing value, whatever the placeholder', () => {
    const templates = ['{{user_name}}', '{{ip}}', '{{client_id}}', '{{connection_id}}', '{{location_info.country_code}}', '{{details.x.y}}', '{{hostname}}', '{{count}}', '{{strange-$name}}'];
    for (const template of templates) {
      const title = render(`for ${template} now`, {});
      expect(title, template).toMatch(/^for (an|no) \S/);
      expect(title, template).not.toMatch(/for unknown\b/);
    }
  });

  it('keeps a title with many fallbacks within its bound', () => {
    expect(render('{{details.a_very_long_field_name_that_goes_on}} '.repeat(20), {}).length).toBe(MAX_TITLE_LENGTH);
  });

  it('renders the default impossible-travel title for a user known only by id (its key), not "for unknown"', () => {
    const catalog = loadCatalog();
    const rule = loadRules(BUNDLED_RULES_DIR, catalog).rules.find((one) => one.id === 'impossible-travel')!;
    const ruleSet = compileRules([rule], catalog);
    const at = (ms: number, sequence: number, place: object, fields: object) => ({
      type: 's',
      date: new Date(T0 + ms).toISOString(),
      log_id: testLogId(T0 + ms, sequence),
      location_info: place,
      ...fields,
    });
    const AMSTERDAM = { latitude: 52.37, longitude: 4.9 };
    const SYDNEY = { latitude: -33.87, longitude: 151.21 };
    const titles = (events: object[]) => evaluate(ruleSet, initialState(), events as never).alerts.map((alert: Alert) => alert.title);
    expect(titles([at(0, 1, AMSTERDAM, { user_id: 'auth0|65f1' }), at(3_600_000, 2, SYDNEY, { user_id: 'auth0|65f1' })])).toEqual([
      'Impossible travel for auth0|65f1: logins too far apart for the time between them',
    ]);
  });
});
