import { describe, expect, it } from 'vitest';
import { cleanText, fromPgText, toPgText } from '../../src/state/postgres/text.js';

describe('PostgreSQL text escape for identifiers from log events', () => {
  it('leaves what Auth0 sends as it is and round-trips NUL, backslashes and lone surrogates exactly', () => {
    const logId = '90020240501120000000000000000000000000000000000000000001';
    expect(toPgText(logId)).toBe(logId);
    expect(toPgText('rule\u0001alice@example.com 🙂')).toBe('rule\u0001alice@example.com 🙂');
    for (const value of ['a\u0000b', 'back\\slash\\0', '\\u0041', 'lone \ud800 high', 'lone \udc00 low', '\udc00\ud800', '\\', '\u0000\\0']) {
      const stored = toPgText(value);
      expect(stored).not.toMatch(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      expect(fromPgText(stored)).toBe(value);
    }
    // Different values stay different once stored.
    expect(toPgText('a\u0000b')).not.toBe(toPgText('a\\0b'));
  });

  it('cleans NUL out of free text', () => {
    expect(cleanText('HTTP 500: bad\u0000body')).toBe('HTTP 500: bad\ufffdbody');
  });
});
