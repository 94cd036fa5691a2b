import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrayElements } from '../../src/auth0/array-elements.js';

/** The elements of `text` read in `pieces`, each JSON.parse'd; or the error, as a JSON.parse of the whole text would throw one. */
function read(pieces: string[]): { elements: unknown[] } | { error: string } {
  const reader = new ArrayElements();
  const elements: unknown[] = [];
  try {
    for (const piece of pieces) reader.write(piece, (text) => elements.push(JSON.parse(text)));
    if (!reader.closed) throw new Error('the closing ] is missing');
    return { elements };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** `text` cut at the given positions. */
function cut(text: string, at: number[]): string[] {
  const points = [...new Set(at.map((n) => n % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** What JSON.parse makes of the whole text, in read()'s terms. */
function whole(text: string): 'error' | unknown[] | 'not an array' {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : 'not an array';
  } catch {
    return 'error';
  }
}

const tricky = [
  '[]',
  ' [ ] ',
  '[1,-2.5e3,true,false,null,"x"]',
  '[{"a":"]},[{\\"\\\\","b":["\\\\",{"c":"\\u005d"}]}]',
  '[ {"k" : [ [], {} , "}" ] } ,\n\t"\\\\\\"]" , 0 ]',
  '[[1,[2,[3]]],{"deep":{"deeper":{"deepest":"}}}"}}}]',
  '["Jürgen 🚀", "\\ud83d\\ude80", "lone \\ud800"]',
];

describe('ArrayElements: the elements of a JSON array as it arrives in pieces', () => {
  it('finds the same elements as JSON.parse of the whole text, however the text is cut', () => {
    for (const text of tricky) {
      const expected = whole(text);
      expect(Array.isArray(expected), text).toBe(true);
      for (let a = 0; a <= text.length; a++) {
        expect(read(cut(text, [a])), `${text} cut at ${a}`).toEqual({ elements: expected });
      }
      expect(read([...text]), `${text} one character at a time`).toEqual({ elements: expected });
    }
  });

  it('agrees with JSON.parse on any array, with any whitespace, cut anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.array(fc.nat()), fc.constantFrom('', ' ', '\n', '\r\n\t'), (values, at, space) => {
        const text = `${space}[${space}${values.map((value) => JSON.stringify(value, null, space ? 1 : undefined)).join(`${space},${space}`)}${space}]${space}`;
        expect(read(cut(text, at))).toEqual({ elements: JSON.parse(text) });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses exactly what JSON.parse refuses: any one character of a valid array changed, removed or added', () => {
    const characters = '[]{},:"\\ 0a\n';
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }), fc.nat(), fc.constantFrom(...characters), fc.constantFrom('change', 'remove', 'add'), fc.array(fc.nat(), { maxLength: 3 }), (values, position, character, how, at) => {
        const valid = JSON.stringify(values);
        const i = position % valid.length;
        const text = how === 'change' ? valid.slice(0, i) + character + valid.slice(i + 1) : how === 'remove' ? valid.slice(0, i) + valid.slice(i + 1) : valid.slice(0, i) + character + valid.slice(i);
        const expected = whole(text);
        const result = read(cut(text, at));
        if (expected === 'error') expect(result, text).toHaveProperty('error');
        else if (expected === 'not an array') expect(result, text).toHaveProperty('error');
        else expect(result, text).toEqual({ elements: expected });
      }),
      { numRuns: 3000 },
    );
  });

  it('passes on the elements before a syntax error, then throws', () => {
    const reader = new ArrayElements();
    const elements: string[] = [];
    expect(() => reader.write('[{"a":1}, 2 ,{"b":[3]} {"c":4}]', (text) => elements.push(text))).toThrow("expected , or ] after an element, found '{'");
    expect(elements).toEqual(['{"a":1}', '2 ', '{"b":[3]}']);
    expect(() => new ArrayElements().write('[1,]', () => {})).toThrow("expected an element, found ']'");
    expect(() => new ArrayElements().write('[1] 2', () => {})).toThrow('text after the end of the array');
    expect(() => new ArrayElements().write('{"a":1}', () => {})).toThrow('expected [ at the start');
  });

  it('holds one element and one piece at most, whatever the array size', () => {
    const reader = new ArrayElements();
    let count = 0;
    reader.write('[', () => {});
    for (let i = 0; i < 10_000; i++) reader.write(`${i > 0 ? ',' : ''}{"n":${i},"s":"${'x'.repeat(100)}"}`, () => (count += 1));
    reader.write(']', () => {});
    expect(count).toBe(10_000);
    expect(reader.closed).toBe(true);
  });
});
