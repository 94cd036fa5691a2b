import axios, { type AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOGS_PATH, makeLogId, startAuth0StandIn, STRIP_LOG_ID, TOKEN_PATH, type Auth0StandIn } from './auth0.js';

let auth0: Auth0StandIn;
let http: AxiosInstance;

beforeEach(async () => {
  auth0 = await startAuth0StandIn();
  http = axios.create({ baseURL: auth0.url, validateStatus: () => true });
});
afterEach(() => auth0.close());

async function bearer(): Promise<Record<string, string>> {
  const { data } = await http.post(TOKEN_PATH, {
    grant_type: 'client_credentials',
    client_id: auth0.clientId,
    client_secret: auth0.clientSecret,
    audience: `${auth0.url}/api/v2/`,
  });
  return { authorization: `Bearer ${data.access_token as string}` };
}

function events(count: number, startMs = Date.parse('2024-05-01T12:00:00Z')) {
  return Array.from({ length: count }, (_, i) => ({
    date: new Date(startMs + i * 1000).toISOString(),
    type: 's',
    user_name: `user${i}@example.com`,
  }));
}

describe('Auth0 stand-in: token endpoint', () => {
  it('issues a token for the right client credentials, as JSON or form', async () => {
    const json = await http.post(TOKEN_PATH, {
      grant_type: 'client_credentials',
      client_id: auth0.clientId,
      client_secret: auth0.clientSecret,
    });
    expect(json.status).toBe(200);
    expect(json.data).toMatchObject({ token_type: 'Bearer', expires_in: 86_400 });
    const form = await http.post(
      TOKEN_PATH,
      new URLSearchParams({ grant_type: 'client_credentials', client_id: auth0.clientId, client_secret: auth0.clientSecret }),
    );
    expect(form.status).toBe(200);
    expect(auth0.tokensIssued()).toBe(2);
  });

  it('refuses a wrong secret with 401 access_denied', async () => {
    const answer = await http.post(TOKEN_PATH, {
      grant_type: 'client_credentials',
      client_id: auth0.clientId,
      client_secret: 'wrong',
    });
    expect(answer.status).toBe(401);
    expect(answer.data.error).toBe('access_denied');
  });
});

describe('Auth0 stand-in: GET /api/v2/logs', () => {
  it('answers 401 without a valid token, and after tokens are revoked', async () => {
    expect((await http.get(LOGS_PATH)).status).toBe(401);
    const headers = await bearer();
    expect((await http.get(LOGS_PATH, { headers })).status).toBe(200);
    auth0.revokeTokens();
    expect((await http.get(LOGS_PATH, { headers })).status).toBe(401);
  });

  it('gives Auth0-shaped log ids: 900 + UTC timestamp + sequence, 56 characters, increasing', () => {
    const ids = auth0.addEvents(events(3));
    expect(ids[0]).toBe(makeLogId(Date.parse('2024-05-01T12:00:00Z'), 1));
    expect(ids[0]).toMatch(/^90020240501120000\d{39}$/);
    for (const id of ids) expect(id).toHaveLength(56);
    expect([...ids].sort()).toEqual(ids);
  });

  it('pages forward from a checkpoint in log_id order until an empty page', async () => {
    const headers = await bearer();
    const all = auth0.addEvents(events(250));
    const seen: string[] = [];
    let from = makeLogId(Date.parse('2024-05-01T00:00:00Z'), 0);
    const pageSizes: number[] = [];
    for (;;) {
      const { data } = await http.get(LOGS_PATH, { headers, params: { from, take: 100 } });
      pageSizes.push(data.length);
      if (data.length === 0) break;
      seen.push(...data.map((event: { log_id: string }) => event.log_id));
      from = seen[seen.length - 1]!;
    }
    expect(pageSizes).toEqual([100, 100, 50, 0]);
    expect(seen).toEqual(all);
  });

  it('sees events appended after a page was read', async () => {
    const headers = await bearer();
    const [first] = auth0.addEvents(events(1));
    auth0.addEvents(events(2, Date.parse('2024-05-01T13:00:00Z')));
    const { data } = await http.get(LOGS_PATH, { headers, params: { from: first, take: 100 } });
    expect(data).toHaveLength(2);
    expect(data[0].date).toBe('2024-05-01T13:00:00.000Z');
  });

  it('returns the newest first without from (sort=date:-1&per_page=1)', async () => {
    const headers = await bearer();
    const ids = auth0.addEvents(events(5));
    const { data } = await http.get(LOGS_PATH, { headers, params: { sort: 'date:-1', per_page: 1 } });
    expect(data.map((event: { log_id: string }) => event.log_id)).toEqual([ids[4]]);
  });

  it('refuses take above 100 with 400', async () => {
    const headers = await bearer();
    const answer = await http.get(LOGS_PATH, { headers, params: { from: '900', take: 101 } });
    expect(answer.status).toBe(400);
  });

  it('sends x-ratelimit headers and answers 429 once the per-second limit is used up', async () => {
    await auth0.close();
    auth0 = await startAuth0StandIn({ logsPerSecond: 2 });
    http = axios.create({ baseURL: auth0.url, validateStatus: () => true });
    const headers = await bearer();
    // The window is one wall-clock second; retry the burst if it straddled a boundary.
    let statuses: number[] = [];
    for (let attempt = 0; attempt < 3 && !statuses.includes(429); attempt++) {
      const answers = await Promise.all([1, 2, 3].map(() => http.get(LOGS_PATH, { headers })));
      statuses = answers.map((a) => a.status);
      expect(answers[0]!.headers['x-ratelimit-limit']).toBe('2');
    }
    expect(statuses).toContain(429);
  });

  it('keeps an event without log_id (malformed on purpose) in place', async () => {
    const headers = await bearer();
    auth0.addEvents([{ date: '2024-05-01T12:00:00Z', type: 's', [STRIP_LOG_ID]: true }, ...events(1)]);
    const { data } = await http.get(LOGS_PATH, { headers, params: { from: '900', take: 10 } });
    expect(data).toHaveLength(2);
    expect(data[0]).not.toHaveProperty('log_id');
    expect(data[0]).not.toHaveProperty(STRIP_LOG_ID);
  });
});

describe('Auth0 stand-in: injected faults', () => {
  it('answers a queued 429 with x-ratelimit-reset in the future, then serves normally', async () => {
    const headers = await bearer();
    auth0.faults.push(LOGS_PATH, { kind: 'status', status: 429, retryAfterSeconds: 2 });
    const limited = await http.get(LOGS_PATH, { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect((await http.get(LOGS_PATH, { headers })).status).toBe(200);
  });

  it('answers queued 500s only on the path they were queued for', async () => {
    auth0.faults.push(LOGS_PATH, { kind: 'status', status: 500 }, 2);
    const headers = await bearer();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await http.get(LOGS_PATH, { headers })).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it('resets the connection (ECONNRESET or socket hang up)', async () => {
    auth0.faults.push(TOKEN_PATH, { kind: 'reset' });
    const failure = await http.post(TOKEN_PATH, {}).catch((error: { code?: string }) => error);
    expect((failure as { code?: string }).code).toBe('ECONNRESET');
  });

  it('delays a slow response: a request sent after it is answered first', async () => {
    auth0.faults.push(TOKEN_PATH, { kind: 'slow', ms: 500 });
    const answered: string[] = [];
    const slow = bearer().then(() => answered.push('slow'));
    // Sent once the slow request reached the stand-in (its fault is taken), so only the delay can reorder them.
    while (!auth0.requests.some((r) => r.fault === 'slow')) await new Promise((resolve) => setImmediate(resolve));
    const fast = http.get(LOGS_PATH).then(() => answered.push('fast'));
    await Promise.all([slow, fast]);
    expect(answered).toEqual(['fast', 'slow']);
    expect(auth0.requests.map((r) => [r.path, r.fault])).toEqual([
      [TOKEN_PATH, 'slow'],
      [LOGS_PATH, undefined],
    ]);
  });

  it('injects seeded chaos reproducibly', async () => {
    const run = async (seed: number) => {
      auth0.faults.setChaos(TOKEN_PATH, 0.5, [{ kind: 'status', status: 503 }], seed);
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await http.post(TOKEN_PATH, {})).status);
      auth0.faults.clear();
      return statuses;
    };
    const first = await run(7);
    expect(first).toContain(503);
    expect(await run(7)).toEqual(first);
  });
});

describe('Auth0 stand-in: retention and rotated secrets', () => {
  it('keeps logs only for the retention period: a from older than it pages from the oldest kept log, sort=date:1 starts there', async () => {
    const now = Date.now();
    auth0.addEvents(events(3, now - 3 * 86_400_000));
    const kept = auth0.addEvents(events(2, now - 3_600_000));
    auth0.setRetention(86_400_000);
    const headers = await bearer();
    const paged = await http.get(LOGS_PATH, { headers, params: { from: makeLogId(now - 4 * 86_400_000, 0), take: 10 } });
    expect((paged.data as Array<{ log_id: string }>).map((e) => e.log_id)).toEqual(kept);
    const oldest = await http.get(LOGS_PATH, { headers, params: { sort: 'date:1', per_page: 1, page: 0 } });
    expect((oldest.data as Array<{ log_id: string }>)[0]!.log_id).toBe(kept[0]);
    auth0.setRetention(undefined);
    const all = await http.get(LOGS_PATH, { headers, params: { from: makeLogId(now - 4 * 86_400_000, 0), take: 10 } });
    expect(all.data).toHaveLength(5);
  });

  it('accepts only the secret set last (a rotation at Auth0)', async () => {
    const old = auth0.clientSecret;
    auth0.setClientSecret('rotated');
    const refused = await http.post(TOKEN_PATH, { grant_type: 'client_credentials', client_id: auth0.clientId, client_secret: old });
    expect(refused.status).toBe(401);
    const accepted = await http.post(TOKEN_PATH, { grant_type: 'client_credentials', client_id: auth0.clientId, client_secret: 'rotated' });
    expect(accepted.status).toBe(200);
  });
});
