import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { runDeps } from '../../src/commands/run-deps.js';
import { loadConfig } from '../../src/config/index.js';
import { compileRules } from '../../src/engine/compile.js';
import { forgetSecrets } from '../../src/secrets.js';
import type { NoticeMessage } from '../../src/slack/format-notice.js';
import { createSender } from '../../src/slack/sender.js';
import { fakeCatalog, makeAlert } from '../helpers/slack-fixtures.js';
import { FakePoster, ManualClock, captureLogger, platformError } from '../helpers/slack-poster.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

/**
 * CONTRACT.md: notices carry `"tenant": "…"`. A dead channel and an outbox
 * backing up carried null; now the tenant they concern, or "*" when they
 * concern the whole bot — a string a tool filtering on tenant can compare.
 */
let state: TempState;
let clock: ManualClock;
let poster: FakePoster;

beforeEach(() => {
  state = tempStateDb();
  clock = new ManualClock();
  poster = new FakePoster(clock);
});
afterEach(() => state.cleanup());

function sender(tenants: string[], extra: Partial<Parameters<typeof createSender>[0]> = {}) {
  return createSender({
    store: state.store,
    poster,
    catalog: fakeCatalog(),
    logger: captureLogger().logger,
    defaultChannel: '#alerts',
    noticeChannel: '#ops',
    clock,
    backoff: { random: () => 0 },
    tenants,
    ...extra,
  });
}

const notices = () => poster.posts.filter((p) => (p.metadata.event_type as string) === 'auth0_log_alerts_notice') as unknown as NoticeMessage[];

describe('a dead channel names the tenant whose alert found it dead', () => {
  it('with several tenants configured, the notice and its "resolved" reply carry that tenant (and the channel)', async () => {
    await state.store.enqueueAlerts('globex', [makeAlert()], '#globex-gone');
    poster.script = (message) => (message.channel === '#globex-gone' ? platformError('channel_not_found') : undefined);
    const s = sender(['acme', 'globex'], { failedCooldownMs: 1000 });
    await s.drainOnce();
    expect(notices().map((n) => n.metadata.event_payload)).toEqual([
      expect.objectContaining({ kind: 'dead_channel', tenant: 'globex', channel: '#globex-gone', state: 'open' }),
    ]);
    expect(JSON.stringify(notices()[0]!.blocks)).toContain('tenant globex');
    expect((await state.store.listProblems())[0]).toMatchObject({ key: 'dead_channel:#globex-gone', tenant: 'globex' });

    poster.script = () => undefined;
    clock.time += 2000;
    await s.drainOnce();
    expect(notices().map((n) => [n.metadata.event_payload.state, n.metadata.event_payload.tenant])).toEqual([
      ['open', 'globex'],
      ['resolved', 'globex'],
    ]);
  });
});

describe('an outbox backing up concerns the whole bot: the only tenant, else "*"', () => {
  async function backlogNotice(tenants: string[]): Promise<NoticeMessage['metadata']['event_payload']> {
    await state.store.enqueueAlerts(tenants[0] ?? 'acme', [makeAlert()], '#slow', new Date(clock.now() - 20 * 60_000));
    poster.script = (message) => (message.channel === '#slow' ? platformError('service_unavailable') : undefined);
    await sender(tenants, { backlogNoticeMs: 15 * 60_000, maxAttempts: 1 }).drainOnce();
    const [notice] = notices();
    expect(notice?.metadata.event_payload.kind).toBe('outbox_backlog');
    return notice!.metadata.event_payload;
  }

  it('one tenant configured: its name', async () => {
    expect((await backlogNotice(['acme'])).tenant).toBe('acme');
  });

  it('several tenants: "*", never null', async () => {
    expect((await backlogNotice(['acme', 'globex'])).tenant).toBe('*');
  });
});

describe('run wires the configured tenants into the sender (run-deps.ts)', () => {
  afterEach(() => {
    forgetSecrets();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('the single tenant of AUTH0_DOMAIN is the tenant of an "outbox backing up" notice posted through the Slack Web API', async () => {
    nock.disableNetConnect();
    const config = loadConfig(
      { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'auth0-client-secret-long', SLACK_BOT_TOKEN: 'xoxb-1-test', ALERT_CHANNEL: '#ops' },
      { envFile: false, requireSlack: true },
    );
    // An alert waiting 20 min for a channel another replica holds: the outbox is backing up, nothing of it is posted here.
    await state.store.enqueueAlerts('acme.eu.auth0.com', [makeAlert()], '#slow', new Date(Date.now() - 20 * 60_000));
    await state.store.acquireChannelLease('#slow', 'other-replica', 60_000, new Date());
    const bodies: Array<Record<string, unknown>> = [];
    nock('https://slack.com')
      .post('/api/chat.postMessage', (body: Record<string, unknown>) => bodies.push(body) > 0)
      .reply(200, { ok: true, ts: '1700000000.000100', channel: 'C0OPS' });
    const catalog = loadCatalog();
    const sender = runDeps.createSender!({
      config,
      store: state.store,
      catalog,
      ruleSet: compileRules([], catalog),
      logger: captureLogger().logger,
      replicaId: 'this-replica',
      once: true,
      slackActions: { live: false },
    })!;
    await sender.drainOnce();
    expect(bodies).toHaveLength(1);
    const metadata = typeof bodies[0]!.metadata === 'string' ? JSON.parse(bodies[0]!.metadata) : bodies[0]!.metadata;
    expect(metadata).toMatchObject({ event_type: 'auth0_log_alerts_notice', event_payload: { kind: 'outbox_backlog', tenant: 'acme.eu.auth0.com' } });
  });
});
