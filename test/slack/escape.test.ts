import { describe, expect, it } from 'vitest';
import { escapeEntities, escapeMrkdwn, plainLine } from '../../src/slack/escape.js';

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

  it.each(['202E', '202D', '2066', '2069'])('shows the bidi control U+%s as U+FFFD so it cannot reorder a value', (hex) => {
    const spoof = `admin${String.fromCodePoint(parseInt(hex, 16))}moc.elpmaxe`;
    expect(escapeMrkdwn(spoof)).toBe('admin\uFFFDmoc.elpmaxe');
    expect(escapeEntities(spoof)).toBe('admin\uFFFDmoc.elpmaxe');
    expect(plainLine(spoof)).toBe('admin\uFFFDmoc.elpmaxe');
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
