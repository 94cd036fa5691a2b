import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { silentLogger } from '../../src/log.js';
import { SLASH_COMMAND_DISABLED, startSlackCompanion, type SlackCompanionInput } from '../../src/slack/companion.js';
import { NO_HEALTH_SERVER } from '../../src/slack/side-servers.js';
import type { LogcodeReply } from '../../src/slack/logcode.js';
import { SAMPLE_RULES, replyText } from '../helpers/bolt-fixtures.js';
import { postSigned, slashCommandBody } from '../helpers/bolt-signed.js';
import { tempStateDb } from '../helpers/temp-db.js';

const TENANT = 'acme.eu.auth0.com';

/** The wiring `run` uses, against a real state database. */
describe('startSlackCompanion', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  function input(slack: Partial<SlackCompanionInput['config']['slack']>, healthPort?: number): SlackCompanionInput & { logger: ReturnType<typeof silentLogger> } {
    const temp = tempStateDb();
    cleanups.push(temp.cleanup);
    return {
      config: {
        slack: { botToken: 'xoxb-test', apiUrl: 'https://slack.com/api/', ...slack },
        port: 0,
        healthPort,
        alertChannel: '#alerts',
        pollSchedule: '*/30 * * * * *',
        tenants: [{ key: TENANT }],
      },
      store: temp.store,
      catalog: loadCatalog(),
      rules: () => SAMPLE_RULES,
      logger: silentLogger(),
      // Started long ago: no first-poll grace, so health follows the database.
      startedAt: new Date(Date.now() - 3_600_000),
    };
  }

  it('serves /logcode status and /healthz from the state database in HTTP mode', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock('https://slack.com').post('/api/auth.test').reply(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT' });
    const wiring = input({ signingSecret: 'secret' });
    const companion = (await startSlackCompanion(wiring))!;
    cleanups.push(() => companion.stop());

    expect((await fetch(`http://127.0.0.1:${companion.port}/healthz`)).status).toBe(503);
    await wiring.store.recordPollOutcome(TENANT, { ok: true });
    expect((await fetch(`http://127.0.0.1:${companion.port}/healthz`)).status).toBe(200);

    const response = await postSigned(companion.port!, slashCommandBody('status'), { signingSecret: 'secret' });
    expect(response.status).toBe(200);
    const text = replyText(response.json as LogcodeReply);
    expect(text).toContain(`*Tenant:* ${TENANT}`);
    expect(text).toMatch(/\*Last poll:\* \d+s ago \([^)]+\) — ok/);
  });

  it('without Slack app credentials says so once and serves only /healthz on HEALTH_PORT', async () => {
    const wiring = input({}, 0);
    const info = vi.spyOn(wiring.logger, 'info');
    const companion = (await startSlackCompanion(wiring))!;
    cleanups.push(() => companion.stop());
    expect(info.mock.calls.filter(([message]) => message === SLASH_COMMAND_DISABLED)).toHaveLength(1);
    expect(companion.port).toBeUndefined();
    expect((await fetch(`http://127.0.0.1:${companion.healthPort}/healthz`)).status).toBe(503);
  });

  it('runs nothing without credentials or HEALTH_PORT — and says that /healthz is not served, and how to get it', async () => {
    // README: PORT (default 3000) is "the bot's HTTP server"; an operator probing :3000/healthz got a refused
    // connection and no line in the log saying why.
    const wiring = input({});
    const info = vi.spyOn(wiring.logger, 'info');
    expect(await startSlackCompanion(wiring)).toBeUndefined();
    expect(info.mock.calls.filter(([message]) => message === NO_HEALTH_SERVER)).toHaveLength(1);
    expect(NO_HEALTH_SERVER).toMatch(/HEALTH_PORT/);
  });

  it('does not say so when HEALTH_PORT serves /healthz', async () => {
    const wiring = input({}, 0);
    const info = vi.spyOn(wiring.logger, 'info');
    const companion = (await startSlackCompanion(wiring))!;
    cleanups.push(() => companion.stop());
    expect(info.mock.calls.filter(([message]) => message === NO_HEALTH_SERVER)).toHaveLength(0);
  });
});
