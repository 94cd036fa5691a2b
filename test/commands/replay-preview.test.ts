import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { useCliOutput } from '../helpers/engine-cli-output.js';

const output = useCliOutput();

/**
 * CONTRACT: `replay --json` prints the objects the sender would post. The sender posts a
 * repeat as a short thread reply under the incident's message (src/slack/format-repeat.ts),
 * never as a second full alert; only `thread_ts` is absent in the preview.
 */
describe('replay --json for a repeat', () => {
  it('prints the thread reply the sender would post, without thread_ts', async () => {
    expect(await main(['replay', 'test/fixtures/events/mixed.ndjson', '--rules', 'rules', '--json'])).toBe(0);
    const messages = output.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
    const [alert, repeat] = messages;
    expect(repeat.metadata.event_payload).toMatchObject({ kind: 'repeat', incident: alert.metadata.event_payload.incident });
    expect(repeat).not.toHaveProperty('thread_ts');
    // The reply's headline and no header block of its own (the parent carries the details).
    expect(repeat.text).toContain('+1 more, 2 in all');
    expect(repeat.blocks.map((block: { type: string }) => block.type)).toEqual(['section', 'context']);
    expect(JSON.stringify(repeat)).not.toContain('could not be posted');
  });
});
