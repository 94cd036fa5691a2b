import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_IDS, incidentBlockId } from '../../src/slack/actions/ids.js';
import type { ThreadNotes } from '../../src/slack/actions/notes.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import type { ThreadNoteMessage } from '../../src/slack/format-thread-note.js';
import { FIXED_NOW } from '../helpers/bolt-fixtures.js';
import { blockActionsBody, postSigned, slackSignature, type ClickedElement } from '../helpers/bolt-signed.js';
import { formatAlert } from '../../src/slack/format.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';
import { actionAppOptions, recordingThreadNotes } from '../helpers/thread-notes.js';

/** The work after ack() runs on real sockets: on a loaded machine it can take more than vi.waitFor's default second. */
const SETTLE = { timeout: 15_000 };

const SIGNING_SECRET = 'test-signing-secret';
const API_HOST = 'https://slack.stand-in.test';
let MESSAGE_TS = '1704067200.000100';
let sequence = 100;
const RESPONDER = 'U0001';
const GROUP = 'S0ONCALL';
const GROUP_MEMBER = 'U0777';
const OUTSIDER = 'U0999';

interface Update {
  channel: string;
  ts: string;
  text: string;
  blocks: Array<{ type: string; block_id?: string; elements?: Array<{ action_id?: string; type: string; text?: string }> }>;
}

/** Block Kit text of an update, every mrkdwn/plain text joined (to read the state line). */
const textOf = (update: Update): string => JSON.stringify(update.blocks);
const actionIds = (update: Update): string[] => update.blocks.flatMap((block) => (block.type === 'actions' ? (block.elements ?? []).map((e) => e.action_id ?? '') : []));

describe('Acknowledge / Resolve / Mute over HTTP (signed requests only)', () => {
  let temp: TempState;
  let app: SlackAppHandle;
  let port: number;
  let notes: ThreadNotes;
  const posted: ThreadNoteMessage[] = [];
  const updates: Update[] = [];
  const ephemerals: Array<{ text: string; response_type: string }> = [];
  let incident: string;

  /** A fresh alert posted as MESSAGE_TS in C0001 (its incident is what the buttons act on). */
  async function postedAlert(group: Record<string, string | null> = { user_name: 'alice@example.com', ip: '203.0.113.7' }): Promise<string> {
    const alert = makeAlert({ channel: undefined, group });
    MESSAGE_TS = `1704067200.000${++sequence}`;
    await temp.store.enqueueAlerts('acme', [alert], '#alerts');
    const { rows } = await temp.store.pendingRows('#alerts', 10);
    await temp.store.recordDelivery({ rows: rows.filter((r) => r.incident === alert.incident), messageTs: MESSAGE_TS, channel: 'C0001', parent: true }, FIXED_NOW);
    return alert.incident;
  }

  const click = (element: Omit<ClickedElement, 'block_id'> & { value?: string }, user = RESPONDER, blockIncident = incident) =>
    postSigned(port, blockActionsBody({ ...element, block_id: incidentBlockId(blockIncident)! } as ClickedElement, { user, messageTs: MESSAGE_TS }), { signingSecret: SIGNING_SECRET });

  beforeAll(async () => {
    temp = tempStateDb();
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock(API_HOST).post('/api/auth.test').reply(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001' });
    nock(API_HOST)
      .persist()
      .post('/api/chat.update')
      .reply(200, (_uri, body) => {
        const fields = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : (body as Record<string, string>);
        updates.push({ ...fields, blocks: JSON.parse(String(fields.blocks)) } as Update);
        return { ok: true, ts: fields.ts, channel: fields.channel };
      });
    nock(API_HOST).persist().post('/api/usergroups.users.list').reply(200, { ok: true, users: [GROUP_MEMBER] });
    nock('https://hooks.slack.com')
      .persist()
      .post('/actions/T0001/1/abc')
      .reply(200, (_uri, body) => {
        ephemerals.push(body as { text: string; response_type: string });
        return 'ok';
      });
    notes = recordingThreadNotes(temp.store, posted);
    app = createSlackApp({
      botToken: 'xoxb-test',
      signingSecret: SIGNING_SECRET,
      apiUrl: `${API_HOST}/api/`,
      port: 0,
      host: '127.0.0.1',
      ...actionAppOptions(temp.store, notes, [RESPONDER, GROUP], () => ({ catalog: fakeCatalog(), defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' } })),
    })!;
    port = (await app.start()).port!;
  });

  afterEach(() => {
    posted.length = 0;
    updates.length = 0;
    ephemerals.length = 0;
  });

  afterAll(async () => {
    await app?.stop();
    await notes?.stop();
    temp?.cleanup();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('Acknowledge: 200 at once, then the state stored, the message updated in place and an audit reply in its thread', async () => {
    incident = await postedAlert();
    const response = await click({ type: 'button', action_id: ACTION_IDS.acknowledge });
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(updates).toHaveLength(1), SETTLE);
    expect(await temp.store.incidentControls(incident)).toMatchObject({ ackedBy: RESPONDER, ackedAt: expect.any(String), resolvedBy: null });
    const [update] = updates;
    expect(update).toMatchObject({ channel: 'C0001', ts: MESSAGE_TS });
    expect(textOf(update!)).toContain(`Acknowledged* by <@${RESPONDER}>`);
    // Acknowledged: that button is gone; Resolve and Mute stay, the link buttons too.
    expect(actionIds(update!)).toEqual([ACTION_IDS.resolve, ACTION_IDS.mute, 'open_auth0_log', 'open_auth0_user', 'open_log_code_docs']);
    await vi.waitFor(() => expect(posted).toHaveLength(1), SETTLE);
    expect(posted[0]).toMatchObject({ channel: 'C0001', thread_ts: MESSAGE_TS, metadata: { event_type: 'auth0_log_alerts_notice', event_payload: { kind: 'acknowledge', incident, user: RESPONDER } } });
    expect(JSON.stringify(posted[0]!.metadata)).not.toContain('log_ids');
    // A second click changes nothing and says who was first.
    await click({ type: 'button', action_id: ACTION_IDS.acknowledge }, GROUP_MEMBER);
    await vi.waitFor(() => expect(ephemerals).toHaveLength(1), SETTLE);
    expect(ephemerals[0]).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining(`Already acknowledged by <@${RESPONDER}>`) });
    expect(updates).toHaveLength(1);
  });

  it('a click on an alert of long hostile values is taken: Slack sends the whole clicked message back, well over 64 KiB', async () => {
    // An attacker names the users and writes the user agents of failed logins: every value is at its
    // longest (1,000 characters) and made of `*`, which escaping turns into three characters.
    const big = (tag: string) => `${'*'.repeat(995)}${tag}`;
    const top = Array.from({ length: 10 }, (_, i) => ({ value: big(`u${i}`), count: 3 }));
    const alert = makeAlert({
      channel: undefined,
      group: { user_name: big('group'), ip: '198.51.100.66' },
      top: { users: top, ips: top },
      event: { log_id: '900hostile', date: '2024-01-01T00:00:00.000Z', type: 'pwd_leak', user_name: big('n'), user_id: big('i'), ip: '198.51.100.66', description: big('d'), client_name: big('c'), connection: big('x'), user_agent: big('a'), hostname: big('h'), location_info: { city_name: big('y'), country_name: big('z') } },
    });
    MESSAGE_TS = `1704067200.000${++sequence}`;
    await temp.store.enqueueAlerts('acme', [alert], '#alerts');
    const { rows } = await temp.store.pendingRows('#alerts', 10);
    await temp.store.recordDelivery({ rows: rows.filter((r) => r.incident === alert.incident), messageTs: MESSAGE_TS, channel: 'C0001', parent: true }, FIXED_NOW);
    const message = formatAlert(alert, { catalog: fakeCatalog(), defaultChannel: '#alerts', dashboard: { region: 'eu', tenant: 'acme' }, tenant: 'acme', actions: true });
    const element = { type: 'button', action_id: ACTION_IDS.acknowledge, block_id: incidentBlockId(alert.incident)! } as const;
    const body = blockActionsBody(element, { user: RESPONDER, messageTs: MESSAGE_TS, message: { text: message.text, blocks: message.blocks } });
    expect(Buffer.byteLength(body)).toBeGreaterThan(80 * 1024);
    expect((await postSigned(port, body, { signingSecret: SIGNING_SECRET })).status).toBe(200);
    await vi.waitFor(async () => expect(await temp.store.incidentControls(alert.incident)).toMatchObject({ ackedBy: RESPONDER }), SETTLE);
    await vi.waitFor(() => expect(updates).toHaveLength(1), SETTLE);
    await vi.waitFor(() => expect(posted).toHaveLength(1), SETTLE);
  });

  it('an unsigned, wrongly signed or stale request is refused with 401 and changes nothing', async () => {
    incident = await postedAlert({ ip: '198.51.100.77' });
    const body = blockActionsBody({ type: 'button', action_id: ACTION_IDS.resolve, block_id: incidentBlockId(incident)! });
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      await postSigned(port, body, { signingSecret: SIGNING_SECRET, signature: null }),
      await postSigned(port, body, { signingSecret: SIGNING_SECRET, signature: slackSignature('another-secret', now, body) }),
      // Slack's window is five minutes: six minutes old is a replay.
      await postSigned(port, body, { signingSecret: SIGNING_SECRET, timestampSec: now - 6 * 60 }),
      await postSigned(port, body, { signingSecret: SIGNING_SECRET, timestampSec: null }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await temp.store.incidentControls(incident)).toMatchObject({ ackedBy: null, resolvedBy: null, mutes: [] });
    expect(await temp.store.pendingResolutions('acme')).toEqual([]);
    expect(await temp.store.dueThreadNotes(new Date(), 10)).toEqual([]);
    expect([updates, posted, ephemerals]).toEqual([[], [], []]);
  });

  it('someone not in SLACK_RESPONDERS gets an ephemeral refusal and nothing changes; a member of a listed user group may act', async () => {
    incident = await postedAlert({ ip: '198.51.100.88' });
    expect((await click({ type: 'button', action_id: ACTION_IDS.resolve }, OUTSIDER)).status).toBe(200);
    await vi.waitFor(() => expect(ephemerals).toHaveLength(1), SETTLE);
    expect(ephemerals[0]).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Only responders can resolve') });
    expect(await temp.store.incidentControls(incident)).toMatchObject({ resolvedBy: null });
    expect([updates, posted]).toEqual([[], []]);

    await click({ type: 'button', action_id: ACTION_IDS.resolve }, GROUP_MEMBER);
    await vi.waitFor(() => expect(updates).toHaveLength(1), SETTLE);
    expect(await temp.store.pendingResolutions('acme')).toContain(incident);
    // Resolved: no action buttons any more (the next match opens a new incident with its own).
    expect(actionIds(updates[0]!)).toEqual(['open_auth0_log', 'open_auth0_user', 'open_log_code_docs']);
    expect(textOf(updates[0]!)).toContain(`Resolved* by <@${GROUP_MEMBER}>`);
    await vi.waitFor(() => expect(posted.map((p) => p.metadata.event_payload.kind)).toEqual(['resolve']), SETTLE);
  });

  it('Mute 4 h of this group: a mute with an id and its end, shown on the message and announced in the thread', async () => {
    incident = await postedAlert({ ip: '198.51.100.99' });
    await click({ type: 'static_select', action_id: ACTION_IDS.mute, value: '4h:group' });
    await vi.waitFor(() => expect(updates).toHaveLength(1), SETTLE);
    const [mute] = await temp.store.listMutes();
    expect(mute).toMatchObject({ tenant: 'acme', incident, group: { ip: '198.51.100.99' }, createdBy: RESPONDER, durationMs: 4 * 3_600_000, endedAt: null });
    expect(textOf(updates[0]!)).toContain(`Muted* this group (ip=198.51.100.99) by <@${RESPONDER}> for 4 hours`);
    await vi.waitFor(() => expect(posted).toHaveLength(1), SETTLE);
    expect(posted[0]!.metadata.event_payload).toMatchObject({ kind: 'mute', mute: { id: mute!.id, scope: 'group', duration_ms: 4 * 3_600_000 } });
    expect(posted[0]!.text).toContain(`/logcode unmute ${mute!.id}`);
  });
});
