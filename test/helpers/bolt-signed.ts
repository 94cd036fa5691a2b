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
