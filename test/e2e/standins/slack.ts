import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultQueue, answerAfterFault, applyFault, listen, parseBody, readBody, send, type HttpAnswer, type RecordedRequest } from './http.js';
import { checkBlocks, checkMetadata, MAX_TEXT_LENGTH } from './slack-limits.js';

/**
 * A local stand-in for the Slack Web API methods the bot calls: `auth.test`,
 * `chat.postMessage`, `chat.update`. Point the bot at it with
 * SLACK_API_URL=<url>/api/. It keeps every message, enforces an optional
 * per-channel rate limit (429 + Retry-After) and Block Kit limits.
 */
export interface SlackStandInOptions {
  /** Default `xoxb-e2e-token`. */
  token?: string;
  /** Known channels, name (with `#`) → id. Default: #security-alerts, #alerts, #ops. */
  channels?: Record<string, string>;
  /** Accept any channel, inventing an id (for benches). Default false. */
  anyChannel?: boolean;
  /** Per-channel limit on chat.postMessage; default none. Slack allows about 1/s with short bursts. */
  perChannel?: { limit: number; windowMs: number };
}

const DEFAULT_CHANNELS: Record<string, string> = {
  '#security-alerts': 'C0SECURITY',
  '#alerts': 'C0ALERTS',
  '#ops': 'C0OPS',
};

export interface PostedMessage {
  channel: string;
  /** The channel as the bot named it. */
  channelArg: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  at: number;
}

export interface MessageUpdate {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  metadata?: PostedMessage['metadata'];
  at: number;
}

export interface SlackStandIn {
  /** `http://127.0.0.1:PORT/api/`, for SLACK_API_URL. */
  apiUrl: string;
  token: string;
  faults: FaultQueue;
  requests: RecordedRequest[];
  /** Every accepted chat.postMessage, in order. */
  messages: PostedMessage[];
  updates: MessageUpdate[];
  /** Every answer with ok:false, e.g. `invalid_blocks`, with the method. */
  rejections: Array<{ method: string; error: string; detail?: string[] }>;
  setPerChannel(limit: SlackStandInOptions['perChannel']): void;
  close(): Promise<void>;
}

export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const token = options.token ?? 'xoxb-e2e-token';
  const channels = new Map(Object.entries(options.channels ?? DEFAULT_CHANNELS));
  let perChannel = options.perChannel;
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const messages: PostedMessage[] = [];
  const updates: MessageUpdate[] = [];
  const rejections: SlackStandIn['rejections'] = [];
  const postsByChannel = new Map<string, number[]>();
  let sequence = 0;

  function resolveChannel(name: string): string | undefined {
    const ids = new Set(channels.values());
    if (ids.has(name)) return name;
    const withHash = name.startsWith('#') ? name : `#${name}`;
    const known = channels.get(withHash);
    if (known) return known;
    if (!options.anyChannel) return undefined;
    const invented = `C${Buffer.from(withHash).toString('hex').slice(0, 10).toUpperCase()}`;
    channels.set(withHash, invented);
    return invented;
  }

  /** Milliseconds until the channel may post again, or 0. Counts the post when allowed. */
  function rateLimitWait(channel: string): number {
    if (!perChannel) return 0;
    const now = Date.now();
    const recent = (postsByChannel.get(channel) ?? []).filter((at) => at > now - perChannel!.windowMs);
    postsByChannel.set(channel, recent);
    if (recent.length >= perChannel.limit) return recent[0]! + perChannel.windowMs - now;
    recent.push(now);
    return 0;
  }

  const fail = (method: string, error: string, detail?: string[]): HttpAnswer => {
    rejections.push({ method, error, detail });
    return { status: 200, body: { ok: false, error, ...(detail ? { response_metadata: { messages: detail } } : {}) } };
  };

  function parseJsonField(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return Symbol.for('unparsable');
    }
  }

  /** Shared checks of postMessage and update; returns the failure or the parsed content. */
  function checkContent(method: string, args: Record<string, unknown>) {
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = args.blocks === undefined ? [] : parseJsonField(args.blocks);
    if (!Array.isArray(blocks)) return { failure: fail(method, 'invalid_blocks_format') };
    const problems = checkBlocks(blocks);
    if (problems.length > 0) return { failure: fail(method, 'invalid_blocks', problems) };
    if (text === '' && blocks.length === 0) return { failure: fail(method, 'no_text') };
    if (text.length > MAX_TEXT_LENGTH) return { failure: fail(method, 'msg_too_long') };
    let metadata: PostedMessage['metadata'];
    if (args.metadata !== undefined) {
      const parsed = parseJsonField(args.metadata);
      const problem = checkMetadata(parsed);
      if (problem) return { failure: fail(method, 'invalid_metadata_format', [problem]) };
      metadata = parsed as PostedMessage['metadata'];
    }
    return { text, blocks, metadata };
  }

  function postMessage(args: Record<string, unknown>): HttpAnswer {
    const method = 'chat.postMessage';
    const channelArg = typeof args.channel === 'string' ? args.channel : '';
    const channel = resolveChannel(channelArg);
    if (!channel) return fail(method, 'channel_not_found');
    const content = checkContent(method, args);
    if ('failure' in content) return content.failure!;
    const threadTs = typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : undefined;
    if (threadTs && !messages.some((m) => m.channel === channel && m.ts === threadTs)) {
      return fail(method, 'thread_not_found');
    }
    const wait = rateLimitWait(channel);
    if (wait > 0) {
      const retryAfter = Math.max(1, Math.ceil(wait / 1000));
      rejections.push({ method, error: 'ratelimited' });
      return { status: 429, headers: { 'retry-after': String(retryAfter) }, body: { ok: false, error: 'ratelimited' } };
    }
    const ts = `${Math.floor(Date.now() / 1000)}.${String(++sequence).padStart(6, '0')}`;
    const message: PostedMessage = {
      channel,
      channelArg,
      ts,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      text: content.text,
      blocks: content.blocks,
      metadata: content.metadata,
      at: Date.now(),
    };
    messages.push(message);
    return {
      status: 200,
      body: { ok: true, channel, ts, message: { type: 'message', text: content.text, ts, bot_id: 'B0BOT' } },
    };
  }

  function update(args: Record<string, unknown>): HttpAnswer {
    const method = 'chat.update';
    const channel = resolveChannel(typeof args.channel === 'string' ? args.channel : '');
    if (!channel) return fail(method, 'channel_not_found');
    const ts = typeof args.ts === 'string' ? args.ts : '';
    if (!messages.some((m) => m.channel === channel && m.ts === ts)) return fail(method, 'message_not_found');
    const content = checkContent(method, args);
    if ('failure' in content) return content.failure!;
    updates.push({ channel, ts, text: content.text, blocks: content.blocks, metadata: content.metadata, at: Date.now() });
    return { status: 200, body: { ok: true, channel, ts, text: content.text } };
  }

  function dispatch(request: IncomingMessage, body: string, method: string): HttpAnswer {
    if (request.method !== 'POST') return { status: 405, body: { ok: false, error: 'method_not_allowed' } };
    const args = parseBody(request, body);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const presented = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!presented) return fail(method, 'not_authed');
    if (presented !== token) return fail(method, 'invalid_auth');
    switch (method) {
      case 'auth.test':
        return {
          status: 200,
          body: {
            ok: true,
            url: 'https://e2e.slack.com/',
            team: 'E2E',
            user: 'auth0-log-alerts',
            team_id: 'T0E2E',
            user_id: 'U0BOT',
            bot_id: 'B0BOT',
            is_enterprise_install: false,
          },
        };
      case 'chat.postMessage':
        return postMessage(args);
      case 'chat.update':
        return update(args);
      default:
        return fail(method, 'unknown_method');
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = { method: request.method ?? '', path: url.pathname, query: {}, status: 0, at: Date.now() };
    requests.push(record);
    const fault = faults.take(url.pathname);
    if (fault) {
      record.fault = fault.kind;
      if (await applyFault(fault, request, response, record, errorAnswer)) return;
    }
    const match = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    const answer = match ? dispatch(request, body, match[1]!) : { status: 404, body: 'Not Found' };
    record.status = answer.status;
    await answerAfterFault(fault, response, answer, record);
  }

  /** Slack's error shapes: `ratelimited` with Retry-After, an HTML page for server errors. */
  function errorAnswer(status: number, retryAfterSeconds: number): HttpAnswer {
    return status === 429
      ? { status, headers: { 'retry-after': String(retryAfterSeconds) }, body: { ok: false, error: 'ratelimited' } }
      : { status, body: '<html>Internal Server Error</html>' };
  }

  const server = await listen((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, { status: 500, body: { error: String(error) } }));
  });

  return {
    apiUrl: `${server.url}/api/`,
    token,
    faults,
    requests,
    messages,
    updates,
    rejections,
    setPerChannel: (limit) => {
      perChannel = limit;
    },
    close: server.close,
  };
}
