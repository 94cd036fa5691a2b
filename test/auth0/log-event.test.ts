import { describe, expect, it } from 'vitest';
import { DISPLAY_FIELDS, EVENT_LIMITS, eventSummary, normalizeLogEvent, parseLogEvent, type LogEvent } from '../../src/auth0/log-event.js';

const valid = { log_id: '90020240101000000000000000000000000000000000000000000001', date: '2024-01-01T00:00:00.000Z', type: 'f' };

function normalized(raw: Record<string, unknown>): LogEvent {
  const parsed = normalizeLogEvent({ ...valid, ...raw });
  if (!parsed.ok) throw new Error(`rejected: ${parsed.problem}`);
  return parsed.event;
}

/** Deepest nesting of arrays/objects in a value, counted iteratively (the value may be deep). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function nested(levels: number): unknown {
  let value: unknown = { leaf: 'bottom' };
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('normalizeLogEvent: what decides usability', () => {
  it('accepts an Auth0-shaped event and keeps unknown fields (scalars as text)', () => {
    const parsed = parseLogEvent({ ...valid, isMobile: false, details: { a: 1 } });
    expect(parsed).toEqual({ ok: true, event: { ...valid, isMobile: 'false', details: { a: '1' } } });
  });

  it.each([
    // what arrives → the problem named in the warning
    [null, 'not an object'],
    [[valid], 'not an object'],
    ['f', 'not an object'],
    [{ date: valid.date, type: 'f' }, 'log_id is missing'],
    [{ log_id: valid.log_id, type: 'f' }, 'date is missing'],
    [{ log_id: valid.log_id, date: valid.date }, 'type is missing'],
    [{ ...valid, date: 'yesterday' }, 'date: unparsable date'],
    [{ ...valid, log_id: 42 }, 'log_id is not a string (number)'],
    [{ ...valid, type: ['f'] }, 'type is not a string (array)'],
    [{ ...valid, log_id: 'x'.repeat(5_000) }, 'log_id is longer than 256 characters'],
    [{ ...valid, log_id: null, type: '' }, 'log_id is missing; type is missing'],
  ])('rejects %j with "%s"', (raw, problem) => {
    expect(parseLogEvent(raw)).toEqual({ ok: false, problem });
  });

  it.each([
    ['user_name', 42, '42'],
    ['user_name', { nested: 'object' }, '{"nested":"object"}'],
    ['user_name', ['a', 1, true, null], '["a",1,true,null]'],
    ['ip', { v4: '203.0.113.9' }, '{"v4":"203.0.113.9"}'],
    ['ip', ['203.0.113.9'], '["203.0.113.9"]'],
    ['description', false, 'false'],
    ['connection', 0, '0'],
    ['client_name', { name: 'x', id: 7 }, '{"name":"x","id":7}'],
    ['hostname', 12.5, '12.5'],
    ['user_agent', [], '[]'],
    ['user_id', {}, '{}'],
  ])('a display field %s of %j is kept as the text %j: never a reason to skip the event', (field, value, text) => {
    expect(normalized({ [field]: value })[field]).toBe(text);
  });

  it('keeps every display field as text, in DISPLAY_FIELDS order, then location_info, then the other fields in their order', () => {
    // The normaliser spells the display fields out one by one (monomorphic property access): none may be forgotten.
    const raw: Record<string, unknown> = { zeta: 1, details: { b: 2, a: 1 } };
    for (const field of [...DISPLAY_FIELDS].reverse()) raw[field] = 7;
    raw.location_info = { extra: true, city_name: 3, country_name: 2, country_code: 1 };
    const event = normalized(raw);
    expect(Object.keys(event)).toEqual(['log_id', 'date', 'type', ...DISPLAY_FIELDS, 'location_info', 'zeta', 'details']);
    for (const field of DISPLAY_FIELDS) expect(event[field], field).toBe('7');
    expect(Object.keys(event.location_info!)).toEqual(['country_code', 'country_name', 'city_name', 'extra']);
    expect(event.location_info).toEqual({ country_code: '1', country_name: '2', city_name: '3', extra: 'true' });
    expect(Object.keys(event.details as object)).toEqual(['b', 'a']);
  });

  it('copies own enumerable fields only: inherited and non-enumerable ones are not kept', () => {
    const raw = Object.create({ inherited: 'x', details: { a: 'x' } }) as Record<string, unknown>;
    Object.assign(raw, valid, { kept: 'y', details: Object.create({ up: 'x' }, { own: { value: 'z', enumerable: true }, hidden: { value: 'h', enumerable: false } }) });
    Object.defineProperty(raw, 'hidden', { value: 'h', enumerable: false });
    const parsed = normalizeLogEvent(raw);
    expect(parsed).toEqual({ ok: true, event: { ...valid, kept: 'y', details: { own: 'z' } } });
  });

  it('null is absent, for display fields and every other field', () => {
    const event = normalized({ user_name: null, ip: null, details: { a: null, b: [null, 'x'] }, scope: null });
    expect(Object.keys(event).sort()).toEqual(['date', 'details', 'log_id', 'type']);
    expect(event.details).toEqual({ b: ['x'] });
  });

  it('keeps the structure of other fields for rules (scope as a string or an array, details paths)', () => {
    const event = normalized({
      scope: ['read:users', 'delete:users'],
      details: { request: { path: '/api/v2/users', body: { enabled: false, retries: 3 } } },
    });
    expect(event.scope).toEqual(['read:users', 'delete:users']);
    expect(event.details).toEqual({ request: { path: '/api/v2/users', body: { enabled: 'false', retries: '3' } } });
    expect(normalized({ scope: 'read:users delete:users' }).scope).toBe('read:users delete:users');
  });

  it('location_info: its three display fields as text, anything but an object absent', () => {
    const event = normalized({ location_info: { country_code: 31, city_name: { x: 'y' }, country_name: null, latitude: 52.3 } });
    expect(event.location_info).toEqual({ country_code: '31', city_name: '{"x":"y"}', latitude: '52.3' });
    expect(normalized({ location_info: 'Amsterdam' }).location_info).toBeUndefined();
    expect(normalized({ location_info: ['NL'] }).location_info).toBeUndefined();
  });
});

describe('normalizeLogEvent: dates', () => {
  const usable = (date: string) => normalizeLogEvent({ ...valid, date }).ok;

  it('takes a date exactly when Date.parse can read it (Auth0 form read without Date.parse; mutations of it)', () => {
    const edges = ['2024-02-31T23:59:59.999Z', '2024-05-01T24:00:00.000Z', '2024-05-01T23:60:00.000Z', '2024-05-01T23:59:60.000Z', '2024-00-01T00:00:00.000Z', '2024-13-01T00:00:00.000Z', '2024-05-00T00:00:00.000Z', '2024-05-32T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '2024-05-01T12:00:00.000z', '2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123+02:00', '2024-05-01 12:00:00.000Z', 'yesterday'];
    for (const date of edges) expect(usable(date), date).toBe(!Number.isNaN(Date.parse(date)));
    for (let month = 1; month <= 12; month++) {
      for (let day = 1; day <= 31; day++) {
        const date = `2023-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59.999Z`;
        expect(usable(date), date).toBe(true);
      }
    }
    const base = '2024-05-01T12:34:56.789Z';
    const characters = '0123456789:-.TZ x';
    let seed = 12345;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 3000; i++) {
      const at = random(base.length);
      const date = `${base.slice(0, at)}${characters[random(characters.length)]}${base.slice(at + 1)}`;
      expect(usable(date), date).toBe(!Number.isNaN(Date.parse(date)));
    }
  });
});

describe('normalizeLogEvent: bounded whatever the input', () => {
  it(`cuts every string to ${EVENT_LIMITS.valueLength} characters, ending in "…"`, () => {
    const event = normalized({ user_name: 'A'.repeat(5_000_000), details: { body: 'b'.repeat(100_000) } });
    expect(event.user_name).toHaveLength(EVENT_LIMITS.valueLength);
    expect(event.user_name!.endsWith('A…')).toBe(true);
    expect((event.details as { body: string }).body).toHaveLength(EVENT_LIMITS.valueLength);
  });

  it('never leaves half a surrogate pair and replaces lone surrogates', () => {
    const emoji = '😀'.repeat(EVENT_LIMITS.valueLength);
    const cut = normalized({ user_name: emoji }).user_name!;
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(cut.endsWith('😀…')).toBe(true);
    expect(normalized({ user_name: 'a\uD800b' }).user_name).toBe('a\uFFFDb');
  });

  it('keeps a 10,000-level nesting as at most EVENT_LIMITS.depth levels, the rest as compact text', () => {
    const event = normalized({ details: nested(10_000), user_name: nested(10_000) });
    expect(depthOf(event)).toBeLessThanOrEqual(EVENT_LIMITS.depth + 1);
    expect(() => JSON.stringify(event)).not.toThrow();
    expect(event.user_name!.length).toBeLessThanOrEqual(EVENT_LIMITS.renderLength);
    expect(event.user_name!.startsWith('{"a":{"a":')).toBe(true);
  });

  it('keeps at most EVENT_LIMITS.entries entries of an object or array, and bounds the whole event', () => {
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v'.repeat(900)]));
    const event = normalized({ details: wide, list: Array.from({ length: 100_000 }, (_, i) => i) });
    expect(Object.keys(event.details as object).length).toBeLessThanOrEqual(EVENT_LIMITS.entries);
    expect((event.list as unknown[]).length).toBeLessThanOrEqual(EVENT_LIMITS.entries);
    expect(JSON.stringify(event).length).toBeLessThan(EVENT_LIMITS.chars + 20 * EVENT_LIMITS.nodes);
    expect(normalizeLogEvent({ ...valid, details: wide })).toMatchObject({ ok: true, trimmed: true });
  });

  it('keeps prototype keys as plain data and never reads inherited properties', () => {
    const raw = JSON.parse(`{"log_id":"${valid.log_id}","date":"${valid.date}","type":"f","__proto__":{"polluted":"yes"},"constructor":{"x":1}}`);
    const event = normalized(raw);
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect((event as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(event, '__proto__')).toBe(true);
    expect(event.constructor).toEqual({ x: '1' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('eventSummary: what an alert (and so the outbox) keeps of its event', () => {
  it('only the display fields, however big the event', () => {
    const event = normalized({ user_name: 'u', ip: '1.2.3.4', location_info: { city_name: 'X', extra: 'y' }, details: nested(100), other: 'z' });
    expect(eventSummary(event)).toEqual({ ...valid, user_name: 'u', ip: '1.2.3.4', location_info: { city_name: 'X' } });
  });
});
