// fieldGetter reads a field without Object.hasOwn unless Object.prototype has a member of that name,
// and gives each field name a reader literal of its own while any is left (fields.ts). Whatever the
// reader, a getter reads its own field, and never an inherited one.
import { describe, expect, it } from 'vitest';
import { normalizeLogEvent } from '../../src/auth0/log-event.js';
import { fieldGetter } from '../../src/engine/fields.js';

const prototypeNames = Object.getOwnPropertyNames(Object.prototype);

describe('fieldGetter', () => {
  it('reads its own field for more field names than there are reader literals, in any order', () => {
    const names = Array.from({ length: 60 }, (_, i) => `field_${i}`);
    const getters = names.map((name) => fieldGetter(name));
    const event = Object.fromEntries(names.filter((_, i) => i % 3 !== 0).map((name) => [name, `${name}-value`]));
    for (let round = 0; round < 3; round++) {
      for (let i = names.length - 1; i >= 0; i--) expect(getters[i]!(event)).toBe(i % 3 === 0 ? undefined : `${names[i]}-value`);
    }
    // A second getter of a name reads the same field as the first.
    expect(fieldGetter('field_59')(event)).toBe('field_59-value');
    expect(fieldGetter('field_1')({ field_1: 0, field_2: 1 })).toBe(0);
  });

  it('never reads a member of Object.prototype, at the top or nested', () => {
    expect(prototypeNames).toContain('constructor');
    expect(prototypeNames).toContain('__proto__');
    for (const name of prototypeNames) {
      expect(fieldGetter(name)({ ip: '203.0.113.7' }), name).toBeUndefined();
      expect(fieldGetter(`details.${name}`)({ details: { a: 1 } }), name).toBeUndefined();
      expect(fieldGetter(`details.${name}.x`)({ details: {} }), name).toBeUndefined();
    }
  });

  it('reads an event’s own field of such a name (from JSON, through the normaliser)', () => {
    const raw = JSON.parse('{"log_id":"900","date":"2024-03-01T12:00:00.000Z","type":"s","constructor":"own","toString":"mine","details":{"__proto__":"kept","valueOf":"seven"}}');
    const parsed = normalizeLogEvent(raw);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(fieldGetter('constructor')(parsed.event)).toBe('own');
    expect(fieldGetter('toString')(parsed.event)).toBe('mine');
    expect(fieldGetter('details.__proto__')(parsed.event)).toBe('kept');
    expect(fieldGetter('details.valueOf')(parsed.event)).toBe('seven');
    expect(fieldGetter('details.hasOwnProperty')(parsed.event)).toBeUndefined();
  });

  it('reads nested paths through objects and arrays only', () => {
    const event = { details: { request: { path: '/api/v2/users', list: ['a', 'b'] } }, text: 'abc' };
    expect(fieldGetter('details.request.path')(event)).toBe('/api/v2/users');
    expect(fieldGetter('details.request.list.1')(event)).toBe('b');
    expect(fieldGetter('details.request.list.length')(event)).toBe(2);
    expect(fieldGetter('text.length')(event)).toBeUndefined();
    expect(fieldGetter('details.missing.path')(event)).toBeUndefined();
    expect(fieldGetter('details.request.path.x')(event)).toBeUndefined();
  });
});
