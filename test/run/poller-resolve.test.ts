import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import { Auth0Client } from '../../src/auth0/client.js';
import { Auth0LogSource } from '../../src/auth0/log-source.js';
import { compileRules, RuleSchema } from '../../src/engine/index.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
import { runPollCycle } from '../../src/run/poller.js';
import { TenantIntake } from '../../src/intake/tenant-intake.js';
import { silentLogger } from '../../src/log.js';
import { createSender } from '../../src/slack/sender.js';
import { FakePoster } from '../helpers/slack-poster.js';
import { AUTH0_BASE, CLIENT_ID, CLIENT_SECRET, captureLogger, logEvent, mockLogsPage, mockToken } from '../helpers/auth0-fixtures.js';
import { tempStateDb } from '../helpers/temp-db.js';

const START = syntheticCheckpoint(new Date('2024-05-01T11:00:00Z'));
const ruleSet = compileRules(
  [RuleSchema.parse({ id: 'leak', severity: 'critical', match: { codes: ['pwd_leak'] }, throttle: { period: '1h', by: ['user_id', 'ip'] } })],
  loadCatalog(),
);

let temp: ReturnType<typeof tempStateDb>;
beforeEach(() => {
  nock.disableNetConnect();
  temp = tempStateDb();
});
afterEach(() => {
  source = undefined;
  temp.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
});

let source: Auth0LogSource | undefined;
function cycle() {
  const { logger } = captureLogger();
  // One client for the test (as the bot keeps one per tenant): one token request.
  source ??= new Auth0LogSource(new Auth0Client({ baseUrl: AUTH0_BASE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: 'x' }), {
    take: 100,
    sleep: async () => {},
    logger,
  });
  return runPollCycle({
    tenant: 'acme',
    source,
    store: new TenantCheckpointStore(temp.store, 'acme', '#alerts'),
    evaluator: engineEvaluator(ruleSet),
    startFrom: { kind: 'date', date: new Date('2024-05-01T11:00:00Z') } as never,
    logger,
  });
}

const kinds = () => (temp.db.prepare('SELECT kind, incident FROM outbox ORDER BY id').all() as Array<{ kind: string; incident: string }>);

describe('Resolve reaches the engine through the poller', () => {
  it('the next match after a resolve opens a new incident inside the throttle; the resolution is marked applied with that commit', async () => {
    const leak = (seq: number) => logEvent(seq, { type: 'pwd_leak' });
    await temp.store.commitPage('acme', { after: null, checkpoint: START, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
    mockToken();
    mockLogsPage(START, [leak(1), leak(2)]);
    mockLogsPage(leak(2).log_id, []);
    expect((await cycle()).error).toBeUndefined();
    const first = kinds();
    expect(first.map((r) => r.kind)).toEqual(['alert', 'repeat']);
    const incident = first[0]!.incident;
    const [row] = (await temp.store.pendingRows('#alerts', 10)).rows;
    await temp.store.recordDelivery({ rows: [row!], messageTs: '1.1', channel: 'C1', parent: true }, new Date());

    // Without a resolve, a third leak ten seconds later is a repeat; after it, a new incident.
    await temp.store.recordIncidentAction({ action: 'resolve', incident, user: 'U1', at: new Date(), channel: 'C1', messageTs: '1.1' });
    expect(await temp.store.pendingResolutions('acme')).toEqual([incident]);
    mockLogsPage(leak(2).log_id, [leak(10)]);
    mockLogsPage(leak(10).log_id, []);
    expect((await cycle()).error).toBeUndefined();
    const after = kinds();
    expect(after.map((r) => r.kind)).toEqual(['alert', 'repeat', 'alert']);
    expect(after[2]!.incident).not.toBe(incident);
    expect(await temp.store.pendingResolutions('acme')).toEqual([]);
    // …which the sender posts as a new channel message, not as a reply in the resolved incident's thread.
    const poster = new FakePoster();
    await createSender({ store: temp.store, poster, catalog: loadCatalog(), logger: silentLogger(), defaultChannel: '#alerts', minIntervalMs: 0 }).drainOnce();
    expect(poster.channelMessages().map((m) => m.metadata.event_payload.incident)).toEqual([after[2]!.incident]);
    expect(poster.posts.filter((m) => m.thread_ts === '1.1').map((m) => m.metadata.event_payload.kind)).toEqual(['repeat']);

    // Applied once: the new incident is not closed again by the old resolution.
    mockLogsPage(leak(10).log_id, [leak(11)]);
    mockLogsPage(leak(11).log_id, []);
    expect((await cycle()).error).toBeUndefined();
    expect(kinds().map((r) => r.kind)).toEqual(['alert', 'repeat', 'alert', 'repeat']);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a resolve with no new events stays pending and is applied by the first commit that has events', async () => {
    const leak = (seq: number) => logEvent(seq, { type: 'pwd_leak' });
    await temp.store.commitPage('acme', { after: null, checkpoint: START, checkpointDate: null, ruleState: {}, alerts: [], defaultChannel: '#alerts' });
    mockToken();
    mockLogsPage(START, [leak(1)]);
    mockLogsPage(leak(1).log_id, []);
    expect((await cycle()).error).toBeUndefined();
    const incident = kinds()[0]!.incident;
    await temp.store.recordIncidentAction({ action: 'resolve', incident, user: 'U1', at: new Date(), channel: 'C1', messageTs: '1.1' });
    mockLogsPage(leak(1).log_id, []);
    expect((await cycle()).error).toBeUndefined();
    expect(await temp.store.pendingResolutions('acme')).toEqual([incident]);
    mockLogsPage(leak(1).log_id, [leak(5)]);
    mockLogsPage(leak(5).log_id, []);
    expect((await cycle()).error).toBeUndefined();
    expect(kinds().map((r) => r.kind)).toEqual(['alert', 'alert']);
    expect(await temp.store.pendingResolutions('acme')).toEqual([]);
  });

  it('a log-stream batch after a resolve opens a new incident too, and marks the resolution applied', async () => {
    const leak = (seq: number) => logEvent(seq, { type: 'pwd_leak' }) as never;
    const { logger } = captureLogger();
    const intake = new TenantIntake({ tenant: 'acme', store: new TenantCheckpointStore(temp.store, 'acme', '#alerts'), evaluator: engineEvaluator(ruleSet), logger });
    await intake.commitStream([leak(1), leak(2)], new Date());
    expect(kinds().map((r) => r.kind)).toEqual(['alert', 'repeat']);
    await temp.store.recordIncidentAction({ action: 'resolve', incident: kinds()[0]!.incident, user: 'U1', at: new Date(), channel: 'C1', messageTs: '1.1' });
    await intake.commitStream([leak(3)], new Date());
    expect(kinds().map((r) => r.kind)).toEqual(['alert', 'repeat', 'alert']);
    expect(await temp.store.pendingResolutions('acme')).toEqual([]);
  });
});
