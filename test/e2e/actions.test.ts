import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { blockActionsBody, postSigned, type ClickedElement } from '../helpers/bolt-signed.js';
import { createWorld, ensureBuilt, waitFor, type World } from '../helpers/e2e-harness.js';
import { expectCleanRun, expectReportedExactlyOnce, stopGracefully, waitUntilSettled } from '../helpers/e2e-scenario.js';
import type { PostedMessage } from './standins/slack.js';

// Scenario: an incident acknowledged and muted from Slack (HTTP mode, signed requests) while its
// flood goes on for more than the mute's hour of event time; the mute's end is one reply, and
// every log id is still reported by exactly one auth0_log_alert message.
let world: World | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const SIGNING_SECRET = 'e2e-signing-secret';
const RULE = 'e2e-brute-force';
const IP = '203.0.113.50';
const MINUTE = 60_000;
const T0 = Date.parse('2024-05-01T12:00:00Z');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A failed login of the flood, `atMs` after T0 (the stand-in gives it a log id from its date). */
const failure = (atMs: number, n: number) => ({
  date: new Date(T0 + atMs).toISOString(),
  type: 'fp',
  description: 'Wrong email or password.',
  connection: 'Username-Password-Authentication',
  client_id: 'aBcD1234efGH5678ijKL9012mnOP3456',
  client_name: 'Storefront',
  ip: IP,
  user_agent: 'python-requests/2.31.0',
  user_id: `auth0|${String(n).padStart(24, '0')}`,
  user_name: `user${n}@example.com`,
});

const kindOf = (message: PostedMessage) => String(message.metadata?.event_payload.kind);
const alertMessages = (world: World) => world.slack.messages.filter((m) => m.metadata?.event_type === 'auth0_log_alert');
const notices = (world: World) => world.slack.messages.filter((m) => m.metadata?.event_type === 'auth0_log_alerts_notice');

function muteRow(world: World): { held: number; ended_at: string | null; until: string } | undefined {
  const db = new Database(world.stateDb, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT held, ended_at, until FROM mutes ORDER BY id DESC LIMIT 1').get() as never;
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

/**
 * Phase 1 of both scenarios: twenty failures within a minute cross the threshold (20 in 5 min),
 * one alert; Jane acknowledges it and mutes its group for an hour from Slack (HTTP mode).
 */
async function alertAcknowledgedAndMuted(world: World): Promise<{ alert: PostedMessage; expected: string[] }> {
  const port = await freePort();
  const expected = world.auth0.addEvents(Array.from({ length: 20 }, (_, i) => failure(i * 3_000, i)));
  world.start(['run'], { SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: String(port) });
  await waitUntilSettled(world, () => alertMessages(world).length === 1);
  // The Slack app starts beside polling: clicks can come once its port answers.
  await waitFor('the bot to listen on PORT', () => fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false), { diagnostics: () => world.diagnostics() });
  const [alert] = alertMessages(world);
  expect(kindOf(alert!)).toBe('alert');
  // The bot receives actions (HTTP mode): the message carries them.
  const actions = (alert!.blocks as Array<{ type: string; block_id?: string; elements: Array<{ action_id: string }> }>).find((b) => b.type === 'actions')!;
  expect(actions.elements.map((e) => e.action_id)).toEqual(expect.arrayContaining(['incident_acknowledge', 'incident_resolve', 'incident_mute']));
  const click = async (element: Omit<ClickedElement, 'block_id'>) => {
    const body = blockActionsBody({ ...element, block_id: actions.block_id! } as ClickedElement, { user: 'U0JANE', messageTs: alert!.ts, responseUrl: `${world.slack.apiUrl}response` });
    const response = await postSigned(port, body, { signingSecret: SIGNING_SECRET });
    expect(response.status).toBe(200);
  };

  await click({ type: 'button', action_id: 'incident_acknowledge' });
  await waitFor('the acknowledge to show', () => world.slack.updates.some((u) => JSON.stringify(u.blocks).includes('Acknowledged* by <@U0JANE>')), {
    diagnostics: () => world.diagnostics(),
  });
  await click({ type: 'static_select', action_id: 'incident_mute', value: '1h:group' } as Omit<ClickedElement, 'block_id'>);
  await waitFor('the mute to be stored and announced', () => notices(world).some((n) => kindOf(n) === 'mute') && muteRow(world) !== undefined, {
    diagnostics: () => world.diagnostics(),
  });
  // The mute runs for an hour of event time from the newest event read (the 20th failure, at 57 s).
  expect(muteRow(world)!.until).toBe(new Date(T0 + 57_000 + 60 * MINUTE).toISOString());
  return { alert: alert!, expected };
}

describe('e2e: acknowledge and mute from Slack while a flood goes on', () => {
  it('holds the flood for the mute’s hour of event time, then reports it in one reply; every log id exactly once', async () => {
    world = await createWorld();
    const { alert, expected } = await alertAcknowledgedAndMuted(world);
    const postedBeforeFlood = alertMessages(world).length;

    // Phase 2: the flood goes on, one failure a minute for the mute's hour: counted, held, nothing posted.
    expected.push(...world.auth0.addEvents(Array.from({ length: 59 }, (_, k) => failure(57_000 + (k + 1) * MINUTE, 100 + k))));
    await waitUntilSettled(world, () => muteRow(world!)?.held === 59);
    expect(alertMessages(world).length).toBe(postedBeforeFlood);
    expect(muteRow(world)!.ended_at).toBeNull();

    // Phase 3: past the hour of event time; the mute ends: one reply reports what it held (and these).
    expected.push(...world.auth0.addEvents(Array.from({ length: 5 }, (_, k) => failure(57_000 + (61 + k) * MINUTE, 200 + k))));
    await waitUntilSettled(world, () => alertMessages(world!).some((m) => kindOf(m) === 'muted'));
    expect(muteRow(world)!.ended_at).not.toBeNull();
    const [exit] = await stopGracefully(world);

    const muted = alertMessages(world).filter((m) => kindOf(m) === 'muted');
    expect(muted).toHaveLength(1);
    expect(muted[0]).toMatchObject({ thread_ts: alert.ts, metadata: { event_payload: { rule_id: RULE, count: 64 } } });
    expect(muted[0]!.text).toContain('in all');
    expect(JSON.stringify(muted[0]!.blocks)).toContain('59 events were held back while muted');
    // The audit trail in the thread: who acknowledged, who muted; notices carry no log ids.
    expect(notices(world).map((n) => [kindOf(n), n.thread_ts])).toEqual([
      ['acknowledge', alert.ts],
      ['mute', alert.ts],
    ]);
    expectReportedExactlyOnce(world.slack.messages, expected);
    expectCleanRun(world);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('reports more than 100 held-back events in several replies of at most 100 log ids: every log id exactly once', async () => {
    world = await createWorld();
    const { alert, expected } = await alertAcknowledgedAndMuted(world);

    // 250 failures within the mute's hour (one every 14 s): held, more than one message's metadata can list.
    const HELD = 250;
    expected.push(...world.auth0.addEvents(Array.from({ length: HELD }, (_, k) => failure(57_000 + (k + 1) * 14_000, 1_000 + k))));
    await waitUntilSettled(world, () => muteRow(world!)?.held === HELD);
    expect(alertMessages(world)).toHaveLength(1);

    // Past the hour: the mute ends, and what it held is reported in the thread with these five.
    expected.push(...world.auth0.addEvents(Array.from({ length: 5 }, (_, k) => failure(57_000 + (61 + k) * MINUTE, 2_000 + k))));
    await waitUntilSettled(world, () => muteRow(world!)?.ended_at != null && alertMessages(world!).some((m) => kindOf(m) === 'muted'));
    const [exit] = await stopGracefully(world);

    const replies = alertMessages(world).filter((m) => m.thread_ts === alert.ts);
    const payloads = replies.map((m) => m.metadata!.event_payload as { kind: string; log_ids: string[]; count: number });
    // The metadata contract: at most 100 log ids per message; so 255 events need at least three replies.
    expect(payloads.every((p) => p.log_ids.length <= 100), 'a reply lists more than 100 log ids').toBe(true);
    expect(replies.length).toBeGreaterThanOrEqual(3);
    expect(payloads.filter((p) => p.kind === 'muted').reduce((n, p) => n + p.count, 0)).toBeGreaterThanOrEqual(HELD);
    expect(payloads.reduce((n, p) => n + p.count, 0)).toBe(HELD + 5);
    expectReportedExactlyOnce(world.slack.messages, expected);
    expectCleanRun(world);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('posts no Acknowledge / Resolve / Mute when the Slack app failed to start (no dead button)', async () => {
    world = await createWorld();
    const port = await freePort();
    // The app's start (auth.test) keeps failing with 500s: it gives up; polling and posting go on.
    world.slack.faults.push('/api/auth.test', { kind: 'status', status: 500 }, 20);
    world.auth0.addEvents(Array.from({ length: 20 }, (_, i) => failure(i * 3_000, i)));
    world.start(['run'], { SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: String(port) });
    await waitUntilSettled(world, () => alertMessages(world!).length === 1 && world!.bots[0]!.output().includes('the Slack app did not start'));
    // The setup ran: the app asked Slack and was refused, and nothing listens for clicks.
    expect(world.slack.requests.filter((r) => r.path === '/api/auth.test' && r.fault === 'status').length).toBeGreaterThan(0);
    expect(await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' }).then(() => 'answered', () => 'refused')).toBe('refused');

    const [alert] = alertMessages(world);
    const actionIds = (alert!.blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>)
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.action_id);
    expect(actionIds.filter((id) => id.startsWith('incident_')), 'dead buttons on the alert').toEqual([]);
    await stopGracefully(world);
  }, 120_000);
});
