import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { silentLogger } from '../../src/log.js';
import { ACTION_IDS, incidentBlockId } from '../../src/slack/actions/ids.js';
import type { ThreadNotes } from '../../src/slack/actions/notes.js';
import { createSlackApp, type SlackAppHandle } from '../../src/slack/app.js';
import type { ThreadNoteMessage } from '../../src/slack/format-thread-note.js';
import { createSender } from '../../src/slack/sender.js';
import { blockActionsPayload } from '../helpers/bolt-signed.js';
import { FakePoster } from '../helpers/slack-poster.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { startSocketStandIn } from '../helpers/socket-standin.js';

/** The work after ack() runs on real sockets: on a loaded machine it can take more than vi.waitFor's default second. */
const SETTLE = { timeout: 15_000 };
import { tempStateDb, type TempState } from '../helpers/temp-db.js';
import { actionAppOptions, recordingThreadNotes } from '../helpers/thread-notes.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const logId = (n: number) => `900202401010000000000000000000000000000000000000000${String(n).padStart(6, '0')}`;

/**
 * The same actions through Socket Mode (the envelope is acked over the socket),
 * and a mute's whole life through the real sender: held while it holds, one
 * summary reply in the incident's thread when the tenant's event time passes its end.
 */
describe('actions over Socket Mode, and what a mute does to posting', () => {
  let slack: Awaited<ReturnType<typeof startSocketStandIn>>;
  let app: SlackAppHandle;
  let temp: TempState;
  let notes: ThreadNotes;
  const notesPosted: ThreadNoteMessage[] = [];
  const poster = new FakePoster();
  let checkpoint = 0;
  let after: string | null = null;

  const commit = async (alerts: Alert[], atMs: number) => {
    checkpoint += 1;
    await temp.store.commitPage('acme', { after, checkpoint: logId(checkpoint), checkpointDate: iso(atMs), ruleState: {}, alerts, defaultChannel: '#alerts' });
    after = logId(checkpoint);
  };
  const sender = () => createSender({ store: temp.store, poster, catalog: fakeCatalog(), logger: silentLogger(), defaultChannel: '#alerts', interactive: true, minIntervalMs: 0 });

  /** Sends a block_actions envelope and resolves with Slack's side of the ack. */
  async function clickOverSocket(payload: Record<string, unknown>, envelopeId: string): Promise<{ envelope_id: string }> {
    const ws = await slack.connected;
    const acked = new Promise<{ envelope_id: string }>((resolve) => {
      ws.on('message', function onMessage(data) {
        const message = JSON.parse(String(data)) as { envelope_id: string };
        if (message.envelope_id !== envelopeId) return;
        ws.off('message', onMessage);
        resolve(message);
      });
    });
    ws.send(JSON.stringify({ envelope_id: envelopeId, type: 'interactive', accepts_response_payload: false, payload }));
    return acked;
  }

  beforeAll(async () => {
    temp = tempStateDb();
    slack = await startSocketStandIn();
    notes = recordingThreadNotes(temp.store, notesPosted);
    app = createSlackApp({
      botToken: 'xoxb-test',
      appToken: 'xapp-1-A0001-1-test',
      apiUrl: slack.apiUrl,
      host: '127.0.0.1',
      ...actionAppOptions(temp.store, notes, ['U0001']),
    })!;
    await app.start();
    await slack.connected;
  });

  afterAll(async () => {
    await app?.stop();
    await notes?.stop();
    await slack?.close();
    temp?.cleanup();
  });

  it("a mute set over the socket holds the group's events, and its end reports them once in the thread", async () => {
    // The incident's first message goes out through the sender, with buttons (the app takes clicks).
    const alert = makeAlert({ incident: 'leak-1', channel: undefined, firstDate: iso(0), lastDate: iso(0), group: { ip: '203.0.113.7' } });
    await commit([alert], 0);
    await sender().drainOnce();
    const parent = poster.channelMessages()[0]!;
    expect(JSON.stringify(parent.blocks)).toContain(ACTION_IDS.mute);
    const payload = blockActionsPayload(
      { type: 'static_select', action_id: ACTION_IDS.mute, block_id: incidentBlockId('leak-1')!, value: '1h:group' },
      { messageTs: (parent as { ts?: string }).ts, responseUrl: slack.url('/response') },
    );
    const ack = await clickOverSocket(payload, 'env-mute');
    expect(ack.envelope_id).toBe('env-mute');
    await vi.waitFor(async () => expect(await temp.store.listMutes()).toHaveLength(1));
    await vi.waitFor(() => expect(slack.calls.some((call) => call.method === 'chat.update')).toBe(true), SETTLE);
    expect(JSON.stringify(slack.calls.find((call) => call.method === 'chat.update')!.body)).toContain('Muted* this group');
    await vi.waitFor(() => expect(notesPosted.map((n) => n.metadata.event_payload.kind)).toEqual(['mute']), SETTLE);

    // While it holds: events are counted (held), nothing is posted.
    const repeat = (atMs: number, count: number, n: number): Alert => ({ ...alert, kind: 'repeat', reason: 'repeat', count, incidentCount: 1 + n, firstDate: iso(atMs), lastDate: iso(atMs), logIds: [logId(5000 + n)] });
    await commit([repeat(10 * 60_000, 30, 30)], 10 * 60_000);
    await commit([repeat(40 * 60_000, 20, 50)], 40 * 60_000);
    const postsBefore = poster.posts.length;
    expect(await sender().drainOnce()).toMatchObject({ posted: 0, replies: 0, pending: 0 });
    expect(poster.posts.length).toBe(postsBefore);
    expect((await temp.store.listMutes())[0]).toMatchObject({ held: 50 });

    // The page whose event time passes the end (1 h after the last event read when muted) ends it: one reply.
    await commit([], HOUR + 1);
    expect(await temp.store.listMutes()).toEqual([]);
    await sender().drainOnce();
    const replies = poster.posts.slice(postsBefore);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ thread_ts: (parent as { ts?: string }).ts, metadata: { event_type: 'auth0_log_alert', event_payload: { kind: 'muted', count: 50, incident: 'leak-1' } } });
    expect(replies[0]!.metadata.event_payload.log_ids).toEqual([logId(5030), logId(5050)]);
    expect(replies[0]!.text).toContain('+50 more, 51 in all');
    expect(JSON.stringify(replies[0]!.blocks)).toContain('50 events were held back while muted');
    // No second "mute ended" note: the reply says it.
    await notes.flush();
    expect(notesPosted.map((n) => n.metadata.event_payload.kind)).toEqual(['mute']);
  });

  it('a non-responder is refused over the socket too (ephemeral via response_url), nothing changes', async () => {
    const alert = makeAlert({ incident: 'leak-2', channel: undefined, firstDate: iso(HOUR + 2), lastDate: iso(HOUR + 2) });
    await commit([alert], HOUR + 2);
    await sender().drainOnce();
    const payload = blockActionsPayload(
      { type: 'button', action_id: ACTION_IDS.resolve, block_id: incidentBlockId('leak-2')! },
      { user: 'U0999', responseUrl: slack.url('/response') },
    );
    await clickOverSocket(payload, 'env-refused');
    await vi.waitFor(() => expect(slack.calls.some((call) => call.method === '/response')).toBe(true), SETTLE);
    const refusal = slack.calls.find((call) => call.method === '/response');
    expect(refusal?.body.response_type).toBe('ephemeral');
    expect(String(refusal?.body.text)).toContain('Only responders can resolve');
    expect(await temp.store.incidentControls('leak-2')).toMatchObject({ resolvedBy: null });
  });
});
