import { describe, expect, it } from 'vitest';
import { parsedTexts } from '../../helpers/e2e-scenario.js';

// The inertness check must see what Slack parses (mrkdwn, fallback text, URLs) and skip plain_text.
describe('parsedTexts', () => {
  it.each([
    ['fallback text', { text: '<!channel>', blocks: [] }, true],
    ['a mrkdwn section', { text: '', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '<!channel>' } }] }, true],
    ['a mrkdwn field', { text: '', blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: '<!channel>' }] }] }, true],
    ['a button URL', { text: '', blocks: [{ type: 'actions', elements: [{ type: 'button', url: '!channel' }] }] }, true],
    ['a plain_text header', { text: '', blocks: [{ type: 'header', text: { type: 'plain_text', text: '<!channel>' } }] }, false],
    ['escaped mrkdwn', { text: '&lt;!channel&gt;', blocks: [] }, false],
  ])('finds a mention in %s', (_name, message, found) => {
    expect(parsedTexts(message).some((text) => text.includes('<!channel>'))).toBe(found);
  });
});
