import { createHmac } from 'node:crypto';

/** Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(signingSecret: string, timestampSec: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

/** A slash-command payload as Slack posts it (application/x-www-form-urlencoded). */
export function slashCommandBody(text: string, overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    team_domain: 'example',
    channel_id: 'C0001',
    channel_name: 'security',
    user_id: 'U0001',
    user_name: 'oncall',
    command: '/logcode',
    text,
    api_app_id: 'A0001',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.com/commands/T0001/1/abc',
    trigger_id: '1.2.3',
    ...overrides,
  }).toString();
}

export interface SignedPostOptions {
  signingSecret: string;
  /** Seconds since the epoch written into x-slack-request-timestamp (null: header left out). @default now */
  timestampSec?: number | null;
  /** Replace the computed signature (bad-signature tests); null sends none. */
  signature?: string | null;
  path?: string;
}

/** POSTs a signed form body to the app's receiver on 127.0.0.1 and returns status and parsed body. */
export async function postSigned(port: number, body: string, options: SignedPostOptions): Promise<{ status: number; json: unknown; text: string }> {
  const timestampSec = options.timestampSec === undefined ? Math.floor(Date.now() / 1000) : options.timestampSec;
  // Bolt compares the content type exactly: no charset suffix.
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (timestampSec !== null) headers['x-slack-request-timestamp'] = String(timestampSec);
  const signature =
    options.signature === undefined ? slackSignature(options.signingSecret, timestampSec ?? Math.floor(Date.now() / 1000), body) : options.signature;
  if (signature !== null) headers['x-slack-signature'] = signature;
  const response = await fetch(`http://127.0.0.1:${port}${options.path ?? '/slack/events'}`, { method: 'POST', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** Deterministic pseudo-random numbers (mulberry32) so fuzz failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of a block_actions payload: a button click or a static_select choice. */
export type ClickedElement =
  | { type: 'button'; action_id: string; block_id: string }
  | { type: 'static_select'; action_id: string; block_id: string; value: string };

/** The `payload` of an interactivity request as Slack sends it for a click on a message in channel C0001. */
export function blockActionsPayload(
  element: ClickedElement,
  options: { user?: string; messageTs?: string; responseUrl?: string; /** The clicked message's text and blocks: Slack sends the whole message back. */ message?: { text: string; blocks: unknown[] } } = {},
): Record<string, unknown> {
  const ts = options.messageTs ?? '1704067200.000100';
  const action =
    element.type === 'button'
      ? { type: 'button', action_id: element.action_id, block_id: element.block_id, text: { type: 'plain_text', text: 'x', emoji: true }, action_ts: '1704067260.000200' }
      : {
          type: 'static_select',
          action_id: element.action_id,
          block_id: element.block_id,
          selected_option: { text: { type: 'plain_text', text: 'x', emoji: true }, value: element.value },
          action_ts: '1704067260.000200',
        };
  return {
    type: 'block_actions',
    team: { id: 'T0001', domain: 'example' },
    user: { id: options.user ?? 'U0001', username: 'oncall', team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: ts, channel_id: 'C0001', is_ephemeral: false },
    trigger_id: '1.2.3',
    channel: { id: 'C0001', name: 'security' },
    message: { type: 'message', subtype: 'bot_message', ts, text: 'alert', ...options.message },
    response_url: options.responseUrl ?? 'https://hooks.slack.com/actions/T0001/1/abc',
    actions: [action],
  };
}

/** The form body Slack POSTs for an interactivity request. */
export function blockActionsBody(element: ClickedElement, options?: Parameters<typeof blockActionsPayload>[1]): string {
  return new URLSearchParams({ payload: JSON.stringify(blockActionsPayload(element, options)) }).toString();
}
