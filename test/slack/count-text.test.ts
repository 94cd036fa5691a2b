import { describe, expect, it } from 'vitest';
import { countText } from '../../src/slack/event-fields.js';
import { escapeMrkdwn, escapeMrkdwnLines } from '../../src/slack/escape.js';

describe('countText: one shared formatter, the same text as Number#toLocaleString("en-US")', () => {
  it.each([0, 1, 999, 1_000, 12_345, 1_000_000, 2 ** 53, -4_321, 0.5, 1234.5678, 987.0004, Number.NaN, Infinity])('%d', (count) => {
    expect(countText(count)).toBe(count.toLocaleString('en-US'));
  });
});

describe('escapeMrkdwnLines without formatting characters (no character-by-character walk)', () => {
  it('still escapes entities, mentions, schemes and quote marks, line by line', () => {
    expect(escapeMrkdwnLines('> quoted <!here>\n@everyone see https://x.example & more')).toBe(
      '\u200B&gt; quoted &lt;!here&gt;\n@\u200Beveryone see https:\u200B//x.example &amp; more',
    );
    expect(escapeMrkdwn('line\nbreak @here')).toBe('line break @\u200Bhere');
  });
});
