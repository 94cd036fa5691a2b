import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuth0StandIn, type Auth0StandIn } from './standins/auth0.js';
import type { PostedMessage } from './standins/slack.js';
import { CLI, createWorld, ensureBuilt, reportedLogIds, waitFor, type World } from '../helpers/e2e-harness.js';
import { expectCleanRun, expectReportedExactlyOnce, stopGracefully } from '../helpers/e2e-scenario.js';
import { TrafficGenerator } from '../helpers/e2e-traffic.js';

// Issue #10 §4 and §6 end to end: one tenant's trouble never silences the
// others, and the bot tells in Slack (and status) when it cannot do its job.
let world: World | undefined;
let extra: Auth0StandIn | undefined;
beforeAll(ensureBuilt, 180_000);
afterEach(async () => {
  await world?.close();
  await extra?.close();
  world = undefined;
  extra = undefined;
});

/** Fast self-watch: a poll every second, notices after 3 s of failure, a rejected tenant retried every 2 s. */
const FAST = { NOTICE_POLL_FAILING_AFTER: '3s', AUTH0_REJECTED_RETRY: '2s' };

const notices = (w: World): PostedMessage[] => w.slack.messages.filter((m) => m.metadata?.event_type === 'auth0_log_alerts_notice');
const payload = (m: PostedMessage) => m.metadata!.event_payload as Record<string, unknown>;

function status(w: World, env: Record<string, string>): { code: number | null; report: { problems: Array<Record<string, unknown>> } } {
  const run = spawnSync(process.execPath, [CLI, 'status', '--json'], { cwd: w.dir, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return { code: run.status, report: JSON.parse(run.stdout) };
}

describe('e2e: the bot about itself', () => {
  it('two tenants, one with a wrong secret: the other\'s alerts all arrive, the bot keeps running, the failing tenant is reported', async () => {
    world = await createWorld();
    extra = await startAuth0StandIn({ clientId: 'globex-client', clientSecret: 'the-right-secret' });
    const traffic = new TrafficGenerator({ seed: 51 });
    const batch = traffic.steady(100, 10);
    const expected = world.auth0.addEvents(batch).filter((_, i) => batch[i]!.type === 'pwd_leak');
    const tenantsFile = join(world.dir, 'tenants.yml');
    writeFileSync(
      tenantsFile,
      [
        'tenants:',
        '  - name: acme',
        `    domain: ${world.auth0.url}`,
        `    client_id: ${world.auth0.clientId}`,
        '    client_secret_env: ACME_SECRET',
        '  - name: globex',
        `    domain: ${extra.url}`,
        '    client_id: globex-client',
        '    client_secret_env: GLOBEX_SECRET',
        '',
      ].join('\n'),
    );
    const env = { ...FAST, TENANTS_FILE: tenantsFile, ACME_SECRET: world.auth0.clientSecret, GLOBEX_SECRET: 'a-wrong-secret' };
    const bot = world.start(['run'], env);

    await waitFor('all of acme\'s alerts and the notice about globex', () => expected.every((id) => reportedLogIds(world!.slack.messages).has(id)) && notices(world!).length > 0, {
      timeoutMs: 45_000,
      diagnostics: () => world!.diagnostics(),
    });
    // Still polling globex on the slow backoff (several token requests), and still running.
    await waitFor('globex retried', () => extra!.requests.filter((r) => r.path === '/oauth/token').length >= 3, { timeoutMs: 20_000 });
    expect(bot.isRunning()).toBe(true);
    expectReportedExactlyOnce(world.slack.messages.filter((m) => m.metadata?.event_type === 'auth0_log_alert'), expected);
    const [notice] = notices(world);
    expect(notices(world)).toHaveLength(1);
    expect(notice!.channel).toBe('C0SECURITY');
    expect(payload(notice!)).toMatchObject({ kind: 'polling_failing', tenant: 'globex', state: 'open' });
    expect(payload(notice!)).not.toHaveProperty('log_ids');
    expect(notice!.text).toMatch(/Polling Auth0 is failing — polling tenant globex has failed for \d+ min \(Auth0 rejected the credentials\)/);

    const shown = status(world, { STATE_DB: world.stateDb });
    expect(shown.code).toBe(1);
    expect(shown.report.problems).toEqual([expect.objectContaining({ kind: 'polling_failing', tenant: 'globex' })]);

    const [exit] = await stopGracefully(world);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bot.output()).not.toContain('a-wrong-secret');
    expectCleanRun(world);
  }, 90_000);

  it('credentials rejected for longer than the threshold: one notice, then one "resolved" reply once they are fixed', async () => {
    world = await createWorld();
    const bot = world.start(['run'], FAST);
    await waitFor('the first poll', () => bot.output().includes('poll cycle done'), { timeoutMs: 20_000, diagnostics: () => world!.diagnostics() });
    // The secret is rotated at Auth0 while the bot runs: its tokens die and the old secret is refused.
    const original = world.auth0.clientSecret;
    world.auth0.setClientSecret('rotated-secret');
    world.auth0.revokeTokens();
    await waitFor('the notice', () => notices(world!).length === 1, { timeoutMs: 30_000, diagnostics: () => world!.diagnostics() });
    expect(payload(notices(world)[0]!)).toMatchObject({ kind: 'polling_failing', state: 'open' });
    await new Promise((resolve) => setTimeout(resolve, 4000)); // more failed retries: still one notice
    expect(notices(world)).toHaveLength(1);
    expect(bot.isRunning()).toBe(true);

    world.auth0.setClientSecret(original); // fixed
    await waitFor('the resolved reply', () => notices(world!).length === 2, { timeoutMs: 30_000, diagnostics: () => world!.diagnostics() });
    const [opened, resolved] = notices(world);
    expect(resolved!.thread_ts).toBe(opened!.ts);
    expect(payload(resolved!)).toMatchObject({ kind: 'polling_failing', state: 'resolved', problem: payload(opened!).problem });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(notices(world)).toHaveLength(2);
    const [exit] = await stopGracefully(world);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('a checkpoint older than what Auth0 keeps: one log-gap notice naming the time range', async () => {
    const DAY = 86_400_000;
    const now = Date.now();
    world = await createWorld({ auth0: { retentionMs: DAY }, startFrom: new Date(now - 3 * DAY).toISOString() });
    // Events three days ago (dropped by the one-day retention) and twelve hours ago (kept).
    const lost = new TrafficGenerator({ seed: 61, startMs: now - 3 * DAY + 60_000 }).steady(20, 2);
    const kept = new TrafficGenerator({ seed: 62, startMs: now - 12 * 3_600_000 }).steady(20, 2);
    world.auth0.addEvents(lost);
    const keptIds = world.auth0.addEvents(kept);
    const firstKept = kept[0]!.date;
    world.start(['run'], FAST);
    await waitFor('the log gap notice and the kept alerts', () => notices(world!).length >= 1 && keptIds.filter((_, i) => kept[i]!.type === 'pwd_leak').every((id) => reportedLogIds(world!.slack.messages).has(id)), {
      timeoutMs: 45_000,
      diagnostics: () => world!.diagnostics(),
    });
    await new Promise((resolve) => setTimeout(resolve, 3000)); // further polls add no second notice
    expect(notices(world)).toHaveLength(1);
    const [notice] = notices(world);
    expect(payload(notice!)).toMatchObject({ kind: 'log_gap', state: 'open' });
    const from = new Date(now - 3 * DAY).toISOString().slice(0, 16); // the checkpoint (START_FROM), to the minute
    expect(notice!.text).toContain(`from ${from}`);
    expect(notice!.text).toContain(`to ${new Date(Date.parse(firstKept)).toISOString().slice(0, 16)}`);
    expect(notice!.channel).toBe('C0SECURITY');
  }, 90_000);
});
