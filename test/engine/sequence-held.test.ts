import { describe, expect, it } from 'vitest';
import { PLACES_KEPT, placeOf } from '../../src/engine/kinds/sequence-entry.js';

// What a sequence key holds between events: how its entries are made.

describe('a completing login names its place', () => {
  it('as "City, Country", from whichever parts are there, cut to 120 characters', () => {
    expect(placeOf('Lagos', 'Nigeria')).toBe('Lagos, Nigeria');
    expect(placeOf('Lagos', 'NG')).toBe('Lagos, NG'); // the same city with another country is not taken for the first
    expect(placeOf('Lagos', 'Nigeria')).toBe('Lagos, Nigeria');
    expect(placeOf('Lagos', undefined)).toBe('Lagos');
    expect(placeOf(undefined, 'Nigeria')).toBe('Nigeria');
    expect(placeOf('', '')).toBeNull();
    expect(placeOf(42, { odd: true })).toBe('42, [object Object]');
    expect(placeOf('x'.repeat(200), 'Nigeria')?.length).toBe(120);
  });

  it('stays right for a city seen again and past the bound of cities it remembers', () => {
    const first = placeOf('Amsterdam', 'Netherlands');
    expect(placeOf(`Amster${'dam'}`, 'Netherlands')).toBe(first);
    for (let i = 0; i <= PLACES_KEPT; i++) expect(placeOf(`City ${i}`, 'Country')).toBe(`City ${i}, Country`);
    expect(placeOf('Amsterdam', 'Netherlands')).toBe('Amsterdam, Netherlands');
  });
});
