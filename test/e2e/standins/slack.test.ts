import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from './slack.js';

let slack: SlackStandIn;
let client: WebClient;

beforeEach(async () => {
  slack = await startSlackStandIn();
  // No retries: the tests look at what the stand-in answers, not at the client's policy.
  client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
});
afterEach(() => slack.close());

const metadata = { event_type: 'auth0_log_alert', event_payload: { kind: 'alert', log_ids: ['900x'], count: 1 } };
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });

async function raw(method: string, body: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${slack.token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

describe('Slack stand-in', () => {
  it('answers auth.test for the right token and invalid_auth otherwise', async () => {
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true, user_id: 'U0BOT' });
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(wrong.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it("a 'late' fault records the post at once and answers only after the delay", async () => {
    slack.faults.push('/api/chat.postMessage', { kind: 'late', ms: 300 });
    const started = Date.now();
    const answer = raw('chat.postMessage', { channel: '#alerts', text: 'x', metadata });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slack.messages).toHaveLength(1); // recorded before the answer
    expect(slack.requests[0]).toMatchObject({ fault: 'late', status: 200 });
    expect(slack.requests[0]!.answeredAt).toBeUndefined();
    expect((await answer).json).toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(slack.requests[0]!.answeredAt).toBeGreaterThanOrEqual(started + 290);
  });

  it('records a form-encoded postMessage with blocks and metadata, and a reply and an update', async () => {
    const posted = await client.chat.postMessage({
      channel: '#security-alerts',
      text: 'fallback',
      blocks: [header('Breached password')],
      metadata: metadata as never, // log_ids is a string array, which @slack/types does not model
    });
    expect(posted.channel).toBe('C0SECURITY');
    await client.chat.postMessage({ channel: 'C0SECURITY', text: 'reply', thread_ts: posted.ts!, metadata: metadata as never });
    await client.chat.update({ channel: 'C0SECURITY', ts: posted.ts!, text: 'fallback (2)' });
    expect(slack.messages).toHaveLength(2);
    expect(slack.messages[0]).toMatchObject({ channel: 'C0SECURITY', text: 'fallback', metadata });
    expect(slack.messages[0]!.blocks).toEqual([header('Breached password')]);
    expect(slack.messages[1]!.thread_ts).toBe(posted.ts);
    expect(slack.updates).toEqual([expect.objectContaining({ ts: posted.ts, text: 'fallback (2)' })]);
  });

  it('accepts JSON bodies too', async () => {
    const answer = await raw('chat.postMessage', { channel: '#alerts', text: 'hi', metadata });
    expect(answer.json).toMatchObject({ ok: true, channel: 'C0ALERTS' });
    expect(slack.messages[0]!.metadata).toEqual(metadata);
  });

  // Each case breaks one Block Kit limit; Slack answers invalid_blocks and posts nothing.
  it.each([
    ['a header over 150 characters', [header('x'.repeat(151))]],
    ['section text over 3000 characters', [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }]],
    ['eleven fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }]],
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' }))],
  ])('refuses %s with invalid_blocks', async (_name, blocks) => {
    const answer = await raw('chat.postMessage', { channel: '#alerts', text: 'x', blocks });
    expect(answer.json).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(slack.messages).toHaveLength(0);
  });

  it('answers channel_not_found for an unknown channel and message_not_found for a bad update', async () => {
    expect((await raw('chat.postMessage', { channel: '#nowhere', text: 'x' })).json).toMatchObject({
      error: 'channel_not_found',
    });
    expect((await raw('chat.update', { channel: '#alerts', ts: '1.000001', text: 'x' })).json).toMatchObject({
      error: 'message_not_found',
    });
  });

  it('rate-limits each channel on its own with 429 and Retry-After', async () => {
    slack.setPerChannel({ limit: 1, windowMs: 60_000 });
    expect((await raw('chat.postMessage', { channel: '#alerts', text: '1' })).status).toBe(200);
    const limited = await raw('chat.postMessage', { channel: '#alerts', text: '2' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await raw('chat.postMessage', { channel: '#ops', text: '3' })).status).toBe(200);
    expect(slack.messages.map((m) => m.text)).toEqual(['1', '3']);
  });

  it('does not record a message whose request failed with an injected 500', async () => {
    slack.faults.push('/api/chat.postMessage', { kind: 'status', status: 500 });
    expect((await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST' })).status).toBe(500);
    expect(slack.messages).toHaveLength(0);
  });
});
