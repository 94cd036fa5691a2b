import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultQueue, answerAfterFault, applyFault, listen, parseBody, readBody, send, type HttpAnswer, type RecordedRequest } from './http.js';

/**
 * A local stand-in for the two Auth0 endpoints the bot uses: the client-credentials
 * token endpoint and the Management API's `GET /api/v2/logs` with checkpoint
 * pagination. Logs can be appended at any time; faults can be queued per path.
 */
export interface Auth0StandInOptions {
  /** Default `e2e-client`. */
  clientId?: string;
  /** Default `e2e-secret-do-not-log`. */
  clientSecret?: string;
  /** Lifetime of issued tokens; default 86400 s, as Auth0's default for M2M tokens. */
  tokenTtlSeconds?: number;
  /** Requests per second to /api/v2/logs before answering 429; default 1000 (Auth0's own is far lower, but tests want speed). */
  logsPerSecond?: number;
  /**
   * Log retention: events whose log id time is older than this are no longer
   * returned (Auth0 keeps 1 to 30 days by plan; a `from` older than that pages
   * from the oldest kept event, silently). Default: keep everything.
   */
  retentionMs?: number;
}

const DEFAULTS = {
  clientId: 'e2e-client',
  clientSecret: 'e2e-secret-do-not-log',
  tokenTtlSeconds: 86_400,
  logsPerSecond: 1000,
} satisfies Omit<Required<Auth0StandInOptions>, 'retentionMs'>;

export const TOKEN_PATH = '/oauth/token';
export const LOGS_PATH = '/api/v2/logs';

/** Marks a generated event that must reach the bot without a `log_id` (malformed on purpose). */
export const STRIP_LOG_ID = '__e2e_strip_log_id';
/**
 * `{ [RAW_JSON]: { details: '{"a":{…}}' } }`: fields served as the given JSON text,
 * for values JSON.stringify cannot write (a 10,000-level nesting).
 */
export const RAW_JSON = '__e2e_raw_json';

interface StoredLog {
  key: string;
  body: Record<string, unknown>;
  /** The body serialised once: big backlogs are paged through many times in benches. */
  json?: string;
}

/** "900" + UTC YYYYMMDDhhmmss + a zero-padded sequence: 56 characters, as Auth0's ids. */
export function makeLogId(epochMs: number, sequence: number): string {
  const iso = new Date(epochMs).toISOString(); // 2024-05-01T12:34:56.789Z
  const stamp = iso.slice(0, 19).replace(/[-T:]/g, '');
  return `900${stamp}${String(sequence).padStart(39, '0')}`;
}

export interface Auth0StandIn {
  /** `http://127.0.0.1:PORT`, for AUTH0_DOMAIN. */
  url: string;
  clientId: string;
  clientSecret: string;
  faults: FaultQueue;
  requests: RecordedRequest[];
  /** Appends events (sorted into log_id order); events without `log_id` get one from their date. Returns the log ids. */
  addEvents(events: ReadonlyArray<Record<string, unknown>>): string[];
  /** All stored log ids, in order. */
  logIds(): string[];
  lastLogId(): string | undefined;
  /** Invalidates every issued token: the next API call answers 401. */
  revokeTokens(): void;
  /** The secret the token endpoint accepts from now on (a rotated or fixed credential). */
  setClientSecret(secret: string): void;
  setRetention(ms: number | undefined): void;
  tokensIssued(): number;
  /** Every access token issued so far (to prove none leaks into the bot's output). */
  issuedTokens(): string[];
  close(): Promise<void>;
}

export async function startAuth0StandIn(options: Auth0StandInOptions = {}): Promise<Auth0StandIn> {
  const config: typeof DEFAULTS & { retentionMs?: number } = { ...DEFAULTS, ...options };
  const logs: StoredLog[] = [];
  const tokens = new Map<string, number>(); // token -> expiry epoch ms
  let issued = 0;
  let sequence = 0;
  let lastIngestMs = 0;
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const window = { second: 0, used: 0 };

  function insert(entry: StoredLog): void {
    const last = logs[logs.length - 1];
    if (!last || last.key < entry.key) {
      logs.push(entry);
      return;
    }
    logs.splice(firstAfter(entry.key), 0, entry);
  }

  /** Index of the first stored log whose key is greater than `key` (binary search). */
  function firstAfter(key: string): number {
    let low = 0;
    let high = logs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (logs[mid]!.key <= key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  function addEvents(events: ReadonlyArray<Record<string, unknown>>): string[] {
    const ids: string[] = [];
    for (const event of events) {
      const body = { ...event };
      let key = typeof body.log_id === 'string' ? body.log_id : undefined;
      if (key === undefined) {
        // Auth0 ids follow ingestion time, which never goes backwards.
        const dateMs = typeof body.date === 'string' ? Date.parse(body.date) : Number.NaN;
        lastIngestMs = Math.max(lastIngestMs, Number.isNaN(dateMs) ? lastIngestMs : dateMs);
        key = makeLogId(lastIngestMs, ++sequence);
        if (body[STRIP_LOG_ID]) delete body[STRIP_LOG_ID];
        else {
          body.log_id = key;
          body._id = key;
        }
      }
      const raw = body[RAW_JSON] as Record<string, string> | undefined;
      delete body[RAW_JSON];
      const json = raw
        ? `${JSON.stringify(body).slice(0, -1)},${Object.entries(raw).map(([field, text]) => `${JSON.stringify(field)}:${text}`).join(',')}}`
        : undefined;
      insert({ key, body, ...(json ? { json } : {}) });
      ids.push(key);
    }
    return ids;
  }

  function rateLimitHeaders(exhausted: boolean, retryAfterSeconds = 1): Record<string, string> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (window.second !== nowSeconds) {
      window.second = nowSeconds;
      window.used = 0;
    }
    if (!exhausted) window.used++;
    const remaining = exhausted ? 0 : Math.max(0, config.logsPerSecond - window.used);
    return {
      'x-ratelimit-limit': String(config.logsPerSecond),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(exhausted ? nowSeconds + retryAfterSeconds : nowSeconds + 1),
    };
  }

  function token(request: IncomingMessage, body: string): HttpAnswer {
    if (request.method !== 'POST') return { status: 405, body: { error: 'method_not_allowed' } };
    const form = parseBody(request, body);
    if (form.grant_type !== 'client_credentials') {
      return { status: 403, body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' } };
    }
    if (form.client_id !== config.clientId || form.client_secret !== config.clientSecret) {
      return { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } };
    }
    if (typeof form.audience === 'string' && !form.audience.endsWith('/api/v2/')) {
      return {
        status: 403,
        body: { error: 'access_denied', error_description: `Service not enabled within domain: ${form.audience}` },
      };
    }
    const accessToken = `e2e-token-${randomBytes(12).toString('hex')}`;
    tokens.set(accessToken, Date.now() + config.tokenTtlSeconds * 1000);
    issued++;
    return {
      status: 200,
      body: { access_token: accessToken, scope: 'read:logs', expires_in: config.tokenTtlSeconds, token_type: 'Bearer' },
    };
  }

  function listLogs(request: IncomingMessage, url: URL): HttpAnswer {
    const bearer = bearerOf(request);
    const expiry = bearer ? tokens.get(bearer) : undefined;
    if (expiry === undefined || expiry < Date.now()) {
      return {
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token', errorCode: 'invalid_token' },
      };
    }
    const exhausted = window.second === Math.floor(Date.now() / 1000) && window.used >= config.logsPerSecond;
    const headers = rateLimitHeaders(exhausted);
    if (exhausted) {
      return { status: 429, headers, body: tooManyRequests };
    }
    const query = url.searchParams;
    const from = query.get('from');
    const limit = Number(query.get(from !== null ? 'take' : 'per_page') ?? query.get('take') ?? 50);
    if (!Number.isInteger(limit) || limit < 0 || limit > 100) {
      return {
        status: 400,
        headers,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: `Query validation error: '${from !== null ? 'take' : 'per_page'}' must be at most 100`,
          errorCode: 'invalid_query_string',
        },
      };
    }
    let page: StoredLog[];
    // Events past retention are gone: index of the oldest kept one.
    const oldest = config.retentionMs === undefined ? 0 : firstAfter(makeLogId(Date.now() - config.retentionMs, 0));
    if (from !== null) {
      const start = Math.max(oldest, firstAfter(from));
      page = logs.slice(start, start + limit);
    } else {
      const pageNumber = Number(query.get('page') ?? 0);
      const ascending = query.get('sort') === 'date:1';
      const kept = oldest === 0 ? logs : logs.slice(oldest);
      const ordered = ascending ? kept : [...kept].reverse();
      page = ordered.slice(pageNumber * limit, pageNumber * limit + limit);
    }
    if (query.get('include_totals') !== 'true' || from !== null) {
      const json = page.map((entry) => (entry.json ??= JSON.stringify(entry.body)));
      return { status: 200, headers, body: `[${json.join(',')}]` };
    }
    const bodies = page.map((entry) => entry.body);
    {
      return {
        status: 200,
        headers,
        body: { start: 0, limit, length: bodies.length, total: logs.length, logs: bodies },
      };
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: Date.now(),
      ...(bearerOf(request) ? { client: bearerOf(request) } : {}),
    };
    requests.push(record);
    const fault = faults.take(url.pathname);
    if (fault) {
      record.fault = fault.kind;
      if (await applyFault(fault, request, response, record, errorAnswer)) return;
    }
    let answer: HttpAnswer;
    if (url.pathname === TOKEN_PATH) answer = token(request, body);
    else if (url.pathname === LOGS_PATH && request.method === 'GET') answer = listLogs(request, url);
    else answer = { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Not Found' } };
    record.status = answer.status;
    await answerAfterFault(fault, response, answer, record);
  }

  /** Auth0's error shapes: 429 with rate-limit headers, other statuses as a plain error body. */
  function errorAnswer(status: number, retryAfterSeconds: number): HttpAnswer {
    if (status !== 429) return { status, body: { statusCode: status, error: 'Internal Server Error' } };
    return {
      status,
      headers: { ...rateLimitHeaders(true, retryAfterSeconds), 'retry-after': String(retryAfterSeconds) },
      body: tooManyRequests,
    };
  }

  const server = await listen((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, { status: 500, body: { error: String(error) } });
    });
  });

  return {
    url: server.url,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    faults,
    requests,
    addEvents,
    logIds: () => logs.map((entry) => entry.key),
    lastLogId: () => logs[logs.length - 1]?.key,
    revokeTokens: () => {
      for (const key of tokens.keys()) tokens.set(key, 0);
    },
    setClientSecret: (secret) => {
      config.clientSecret = secret;
    },
    setRetention: (ms) => {
      config.retentionMs = ms;
    },
    tokensIssued: () => issued,
    issuedTokens: () => [...tokens.keys()],
    close: server.close,
  };
}

function bearerOf(request: IncomingMessage): string | undefined {
  return /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
}

const tooManyRequests = {
  statusCode: 429,
  error: 'Too Many Requests',
  message: 'Global limit has been reached',
  errorCode: 'too_many_requests',
};
