import { describe, expect, it } from 'vitest';
import { MAX_ESCAPE_INPUT, escapeEntities, escapeMrkdwn, plainLine } from '../../src/slack/escape.js';

const ZWSP = '\u200B';

describe('escapeMrkdwn', () => {
  it.each([
    // the three entities Slack decodes, & first so nothing is double-escaped wrongly
    ['a & b <c>', 'a &amp; b &lt;c&gt;'],
    // formatting characters between letters cannot format: kept for copy-paste
    ['pwd_leak john_doe', 'pwd_leak john_doe'],
    // at a word edge they are fenced with zero-width spaces
    ['*x*', `${ZWSP}*${ZWSP}x${ZWSP}*${ZWSP}`],
    ['_y_', `${ZWSP}_${ZWSP}y${ZWSP}_${ZWSP}`],
    ['~z~', `${ZWSP}~${ZWSP}z${ZWSP}~${ZWSP}`],
    // backticks are fenced even between letters (code spans need no boundary)
    ['a`b', `a${ZWSP}\`${ZWSP}b`],
    // legacy mention words and URL schemes are broken
    ['@channel @here', `@${ZWSP}channel @${ZWSP}here`],
    ['https://evil.example', `https:${ZWSP}//evil.example`],
    // a leading > would quote the line
    ['> quoted', `${ZWSP}&gt; quoted`],
  ])('%j → %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it.each(['202E', '202D', '2066', '2069', '200E', '200F', '061C', '2060', '206A', 'FEFF', '180E', '0000', '001B', '0085'])(
    'shows the bidi / invisible control U+%s as U+FFFD so it cannot reorder or hide in a value', (hex) => {
    const spoof = `admin${String.fromCodePoint(parseInt(hex, 16))}moc.elpmaxe`;
    expect(escapeMrkdwn(spoof)).toBe('admin\uFFFDmoc.elpmaxe');
    expect(escapeEntities(spoof)).toBe('admin\uFFFDmoc.elpmaxe');
    expect(plainLine(spoof)).toBe('admin\uFFFDmoc.elpmaxe');
  });

  // Invisible in Slack, so "alice@example.com" and "alice@example.com\u200B" (another user, another group)
  // would read alike, or a tag-character run (U+E0020–E007F) would carry hidden text ("ASCII smuggling").
  it.each(['200B', '00AD', '034F', '115F', '1160', '3164', 'FFA0', 'FFF9', 'FFFB', '1D173', '1D17A', 'E0001', 'E0020', 'E0041', 'E007F'])(
    'shows the invisible character U+%s as U+FFFD, so two values that differ by it never look the same', (hex) => {
    const hidden = `alice${String.fromCodePoint(parseInt(hex, 16))}@example.com`;
    expect(escapeMrkdwn(hidden)).toBe('alice\uFFFD@example.com');
    expect(escapeEntities(hidden)).toBe('alice\uFFFD@example.com');
    expect(plainLine(hidden)).toBe('alice\uFFFD@example.com');
  });

  it('keeps tabs, newlines, ZWJ emoji sequences and ordinary non-Latin text', () => {
    expect(escapeEntities('a\tb\nc 👩\u200D💻 مرحبا')).toBe('a\tb\nc 👩\u200D💻 مرحبا');
    // ZWNJ shapes Persian words; emoji variation selectors and Korean syllables stay too.
    expect(escapeEntities('می\u200Cخواهم ❤\uFE0F 한국어')).toBe('می\u200Cخواهم ❤\uFE0F 한국어');
  });

  it('escapes entities only once per character', () => {
    expect(escapeEntities('&amp;')).toBe('&amp;amp;');
  });

  it('leaves no mention, link or bold in the classic injection', () => {
    const out = escapeMrkdwn('<!channel> *x* <https://evil.example|click>');
    expect(out).not.toMatch(/<[!@#]/);
    expect(out).not.toContain('<http');
    expect(out).not.toContain('://');
    // every * is fenced by zero-width spaces on both sides
    expect(out.replace(new RegExp(`${ZWSP}\\*${ZWSP}`, 'g'), '')).not.toContain('*');
  });
});

describe('escaping hostile sizes (issue 11, point 4)', () => {
  // The old scheme-breaking pattern backtracked: 100 kB of letters took ~15 s, 5 MB would not finish.
  it.each([
    ['letters (scheme-pattern bait)', 'a'.repeat(5_000_000)],
    ['formatting characters', '*_~`'.repeat(1_250_000)],
    ['entities', '<&>'.repeat(1_700_000)],
    ['@ mentions', '@here '.repeat(850_000)],
  ])('cuts a 5 MB value of %s to %i characters before escaping it', (_what, value) => {
    const out = escapeMrkdwn(value);
    expect(out).toBe(escapeMrkdwn(`${value.slice(0, MAX_ESCAPE_INPUT - 1)}…`));
    // At most ZWSP + char + ZWSP, or a 5-character entity, per input character.
    expect(out.length).toBeLessThanOrEqual(5 * MAX_ESCAPE_INPUT);
    expect(escapeEntities(value).length).toBeLessThanOrEqual(5 * MAX_ESCAPE_INPUT);
    expect(plainLine(value).length).toBeLessThanOrEqual(MAX_ESCAPE_INPUT);
  });

  it('breaks every scheme:// whatever precedes it', () => {
    expect(escapeMrkdwn('xhttps://a 1javascript://b ://c')).not.toContain('://');
  });
});
