import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS, normalizeLogEvent, type LogEvent } from '../../src/auth0/log-event.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, evaluate, initialState, loadRules, RuleSchema, type Alert } from '../../src/engine/index.js';
import { buildWherePredicate } from '../../src/engine/matchers.js';
import { OPERATORS, WhereSchema } from '../../src/engine/rule-schema.js';
import { escapeMrkdwn } from '../../src/slack/escape.js';
import { formatDigest } from '../../src/slack/format-digest.js';
import { formatRepeatReply } from '../../src/slack/format-repeat.js';
import { formatAlert, type SlackMessage } from '../../src/slack/format.js';
import { blockKitViolations, makeAlert } from '../helpers/slack-fixtures.js';

/**
 * Issue 11: property-based fuzzing of everything that touches untrusted log
 * data — the normaliser, every `where` operator, the formatter. Arbitrary JSON
 * with odd types, huge strings, deep nesting, prototype keys and control
 * characters must never throw, must stay bounded, and must render inert.
 * Runs are kept modest (npm test on 2 cores); FUZZ_RUNS raises them.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const catalog = loadCatalog();
const defaultRules = compileRules(loadRules('rules', catalog).rules, catalog);
const ZWSP = '\u200B';

/** Fragments Slack would act on, and characters that reorder or hide text. */
const BAIT = [
  '<!channel>', '<!here>', '<!everyone>', '<@U0VICTIM>', '<#C0SECRET>', '<https://evil.example|click>', '<mailto:a@b.c>',
  '*', '_', '~', '`', '```', '>', '&', '&lt;', '@here', '@channel', 'https://evil.example', 'javascript://x',
  '\u202E', '\u2066', '\u200E', '\u200F', '\u061C', '\uFEFF', '\u0000', '\u001B', '\n', '\r\n', '\t', '\uD800', '\uDC00', '😀', 'é',
  '__proto__', 'constructor', 'a', '1', ' ', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
];
const HUGE = 'A'.repeat(1_000_000);

const baitString = fc.array(fc.constantFrom(...BAIT), { maxLength: 12 }).map((parts) => parts.join(''));
const anyString = fc.oneof(
  { weight: 4, arbitrary: baitString },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(HUGE) },
  { weight: 1, arbitrary: fc.integer({ min: 1_001, max: 5_000 }).map((n) => 'a'.repeat(n) + '!') },
);

function nested(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { d: value } : [value];
  return value;
}

/** Arbitrary JSON-like values, plus the shapes an attacker reaches for. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 3, arbitrary: anyString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1e308, Number.MAX_SAFE_INTEGER, 0.1) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 12_000 }), anyString).map(([levels, leaf]) => nested(levels, leaf)) },
  { weight: 1, arbitrary: fc.array(anyString, { maxLength: 300 }) },
  {
    weight: 1,
    // Prototype keys as own properties, the way JSON.parse makes them.
    arbitrary: fc
      .dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'x'), fc.jsonValue({ maxDepth: 2 }))
      .map((object) => JSON.parse(JSON.stringify(object).replace('"x"', '"__proto__"')) as unknown),
  },
);

const FIELDS = ['user_name', 'user_id', 'ip', 'description', 'client_name', 'client_id', 'connection', 'hostname', 'user_agent', 'location_info', 'details', 'scope', 'strategy', '__proto__'];
const CODES = ['pwd_leak', 'limit_mu', 'f', 'fp', 'sapi', 'gd_send_pn', 'ferrt', 'coff', 'api_limit', 'limit_wc'];

let sequence = 0;
/** A raw event: valid id, type and date, and any of the usual fields holding anything. */
const rawEvent = fc
  .tuple(fc.constantFrom(...CODES), fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 8 }), fc.integer({ min: 0, max: 3_600_000 }))
  .map(([type, fields, offset]) => {
    sequence += 1;
    const date = new Date(Date.parse('2024-05-01T12:00:00Z') + offset).toISOString();
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) Object.defineProperty(raw, key, { value, enumerable: true, writable: true, configurable: true });
    return Object.assign(raw, { log_id: `900${date.replace(/\D/g, '').slice(0, 14)}${String(sequence).padStart(39, '0')}`, date, type });
  });

function normalized(raw: unknown): LogEvent {
  const parsed = normalizeLogEvent(raw);
  if (!parsed.ok) throw new Error(`rejected a usable event: ${parsed.problem}`);
  return parsed.event;
}

/** Every string in a value, and the deepest nesting, walked without recursion. */
function shape(value: unknown): { strings: string[]; depth: number; nodes: number } {
  const strings: string[] = [];
  let depth = 0;
  let nodes = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, level] = stack.pop()!;
    nodes += 1;
    if (typeof item === 'string') strings.push(item);
    if (item === null || typeof item !== 'object') continue;
    depth = Math.max(depth, level);
    for (const child of Object.values(item)) stack.push([child, level + 1]);
  }
  return { strings, depth, nodes };
}

describe('fuzz: the event normaliser', () => {
  it('never throws on any value, and rejects only non-objects and bad log_id/type/date', () => {
    fc.assert(
      fc.property(hostileValue, (raw) => {
        const parsed = normalizeLogEvent(raw);
        if (parsed.ok) throw new Error('a value without log_id/type/date was accepted');
        expect(parsed.problem.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts every event with a usable log_id, type and date, and keeps it bounded', () => {
    fc.assert(
      fc.property(rawEvent, (raw) => {
        const event = normalized(raw);
        const { strings, depth, nodes } = shape(event);
        expect(depth).toBeLessThanOrEqual(EVENT_LIMITS.depth);
        expect(nodes).toBeLessThanOrEqual(EVENT_LIMITS.nodes + 20);
        for (const text of strings) expect(text.length).toBeLessThanOrEqual(EVENT_LIMITS.valueLength);
        expect(strings.reduce((sum, text) => sum + text.length, 0)).toBeLessThanOrEqual(EVENT_LIMITS.chars + 3 * EVENT_LIMITS.valueLength);
        expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
        expect(() => JSON.stringify(event)).not.toThrow();
        for (const field of ['user_name', 'ip', 'description', 'client_name', 'connection'] as const) {
          if (event[field] !== undefined) expect(typeof event[field]).toBe('string');
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** One condition per operator, operands drawn from values that matter (IPs, bait, backtracking patterns). */
const operand = fc.oneof(baitString, fc.constantFrom('203.0.113.7', '10.0.0.0/8', '2001:db8::/32', 'pwd_leak', 'false', '42', ''));
const regexSource = fc.constantFrom('^(a+)+$', '(x+x+)+y', '(a|aa)*b', '^(\\w+\\s?)*$', 'brute[- ]?force', '.*', '\\bmfa\\b', '[<>]', '^$', '(?i)é');
const condition = fc.oneof(
  fc.record({ equals: fc.oneof(operand, fc.integer(), fc.boolean()) }),
  fc.record({ not_equals: operand }),
  fc.record({ in: fc.array(fc.oneof(operand, fc.integer()), { minLength: 1, maxLength: 3 }) }),
  fc.record({ not_in: fc.array(operand, { minLength: 1, maxLength: 3 }) }),
  fc.record({ contains: operand.filter((text) => text.length > 0) }),
  fc.record({ regex: regexSource }),
  fc.record({ not_regex: regexSource }),
  fc.record({ cidr: fc.constantFrom('10.0.0.0/8', '203.0.113.0/24', '2001:db8::/32') }),
  fc.record({ not_cidr: fc.constantFrom(['10.0.0.0/8'], ['0.0.0.0/0', '::/0']) }),
  fc.record({ exists: fc.boolean() }),
);
const fieldPath = fc.constantFrom('user_name', 'ip', 'description', 'details', 'details.d', 'details.d.d', 'scope', 'location_info.city_name', 'constructor', 'strategy');
const where = fc
  .tuple(fc.dictionary(fieldPath, condition, { minKeys: 1, maxKeys: 3 }), fc.option(fc.tuple(fieldPath, condition)), fc.option(fc.tuple(fieldPath, condition)))
  .map(([fields, anyOf, not]) => ({
    ...fields,
    ...(anyOf ? { any: [{ [anyOf[0]]: anyOf[1] }, { ip: { exists: true } }] } : {}),
    ...(not ? { not: { [not[0]]: not[1] } } : {}),
  }));

describe('fuzz: every where operator', () => {
  it('covers every operator the rule schema knows', () => {
    expect([...OPERATORS].sort()).toEqual(['contains', 'cidr', 'equals', 'exists', 'in', 'not_cidr', 'not_equals', 'not_in', 'not_regex', 'regex'].sort());
  });

  it('never throws and answers a boolean, on normalised and on raw events', () => {
    fc.assert(
      fc.property(where, rawEvent, (conditions, raw) => {
        const predicate = buildWherePredicate(WhereSchema.parse(conditions));
        expect(typeof predicate(normalized(raw))).toBe('boolean');
        expect(typeof predicate(raw)).toBe('boolean');
      }),
      { numRuns: RUNS },
    );
  });

  it('a rule of any conditions evaluates a page of hostile events without skipping one', () => {
    fc.assert(
      fc.property(where, fc.array(rawEvent, { minLength: 1, maxLength: 8 }), (conditions, raws) => {
        const rule = RuleSchema.parse({ id: 'fuzz', severity: 'high', match: { codes: CODES, where: conditions }, throttle: { period: '1h', by: ['user_name', 'details'] } });
        const result = evaluate(compileRules([rule], catalog), initialState(), raws.map(normalized));
        expect(result.skipped).toEqual([]);
        for (const alert of result.alerts) expect(JSON.stringify(alert).length).toBeLessThan(30_000);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

/** What Slack parses for mentions, links and formatting: the fallback text and every mrkdwn text, and the button URLs apart. */
function parsedParts(message: Pick<SlackMessage, 'text' | 'blocks'>): { texts: string[]; urls: string[] } {
  const texts = [message.text];
  const urls: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    const object = value as Record<string, unknown>;
    if (object.type === 'mrkdwn' && typeof object.text === 'string') texts.push(object.text);
    if (typeof object.url === 'string') urls.push(object.url);
    Object.values(object).forEach(walk);
  };
  walk(message.blocks);
  // Our own date tokens (`<!date^…|…>`) and the rule's mention, which leads a message (`<!here>` of a
  // critical rule), are the only markup the bot writes around data.
  const own = (text: string) => text.replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '').replace(/^<!here>(?: · |\n)/, '');
  return { texts: texts.map(own), urls };
}

function expectInert(message: Pick<SlackMessage, 'text' | 'blocks'>): void {
  const { texts, urls } = parsedParts(message);
  for (const text of texts) {
    // No live mention, channel link or URL link: every < and > from data is an entity.
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/@(channel|here|everyone)\b/i);
    expect(text).not.toMatch(/[a-z]:\/\//i);
    expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\uFEFF]/);
  }
  // Buttons only ever open the Auth0 dashboard or Auth0's docs, whatever the event said.
  for (const url of urls) expect(['manage.auth0.com', 'auth0.com']).toContain(new URL(url).host);
  expect(blockKitViolations(message as SlackMessage)).toEqual([]);
}

function alertFrom(values: string[]): Alert {
  const [a = '', b = '', c = '', d = '', e = ''] = values;
  return makeAlert({
    title: a,
    ruleDescription: b,
    group: { user_name: c, ip: d },
    event: { log_id: '900x', date: '2024-05-01T12:00:00.000Z', type: e || 'pwd_leak', user_name: a, user_id: b, ip: c, description: d, client_name: e, connection: a, location_info: { city_name: b, country_name: c } },
    top: { users: [{ value: d, count: 2 }], ips: [{ value: e, count: 1 }] },
  });
}

describe('fuzz: the message formatter', () => {
  const context = { catalog, defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' } };

  it('renders alerts built by the default rules from hostile events: never throws, always inert, within Block Kit limits', () => {
    fc.assert(
      fc.property(fc.array(rawEvent, { minLength: 1, maxLength: 10 }), (raws) => {
        const { alerts } = evaluate(defaultRules, initialState(), raws.map(normalized));
        for (const alert of alerts) expectInert(formatAlert(alert, context));
        const repeats = alerts.filter((alert) => alert.kind === 'repeat');
        if (repeats.length > 0) expectInert(formatRepeatReply([repeats[0]!], { total: 3, threadTs: '1.2' }, context));
        if (alerts.length > 0) expectInert(formatDigest(alerts, 'digest-1', context));
      }),
      { numRuns: RUNS },
    );
  });

  it('renders alerts whose every value is hostile (as stored by any version): never throws, always inert', () => {
    fc.assert(
      fc.property(fc.array(anyString, { minLength: 5, maxLength: 5 }), (values) => {
        const alert = alertFrom(values);
        expectInert(formatAlert(alert, context));
        expectInert(formatDigest([alert, alertFrom(values.slice().reverse())], 'digest-2', context));
      }),
      { numRuns: RUNS },
    );
  });

  it('escaped text never leaves a formatting character able to open or close a span', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        const chars = Array.from(escapeMrkdwn(value));
        chars.forEach((char, index) => {
          if (!'*_~`'.includes(char)) return;
          const fenced = chars[index - 1] === ZWSP && chars[index + 1] === ZWSP;
          const between = /[\p{L}\p{N}]/u.test(chars[index - 1] ?? '') && /[\p{L}\p{N}]/u.test(chars[index + 1] ?? '');
          expect(fenced || (char !== '`' && between)).toBe(true);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
