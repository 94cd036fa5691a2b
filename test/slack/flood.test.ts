import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { BUNDLED_RULES_DIR, compileRules, evaluate, initialState, loadRules, type EngineState } from '../../src/engine/index.js';
import { createSender } from '../../src/slack/sender.js';
import { FakePoster, ManualClock, captureLogger } from '../helpers/slack-poster.js';
import { tempStateDb } from '../helpers/temp-db.js';

// A 10,000-event attack through the real default rules, the outbox and the sender.
const catalog = loadCatalog();
const ruleSet = compileRules(loadRules(BUNDLED_RULES_DIR, catalog).rules, catalog);
const START = Date.parse('2024-03-01T12:00:00.000Z');

// Users spread over 9,973 accounts: at most two failures each, so the rules keyed on one account
// (account-brute-force, password-guessed: failed logins are f, fp and fu) stay quiet — a flood from IPs.
function attack(total: number, ips: number): LogEvent[] {
  return Array.from({ length: total }, (_, i) => {
    const time = START + i * 50; // 20 events/s: 10,000 events in about 8 minutes
    const id = `900${String(i).padStart(20, '0')}`;
    return {
      log_id: id,
      date: new Date(time).toISOString(),
      type: i % 3 === 0 ? 'fu' : 'fp',
      description: 'Wrong email or password.',
      ip: `203.0.113.${i % ips}`,
      user_name: `victim${i % 9973}@example.com`,
      user_id: `auth0|victim${i % 9973}`,
      client_name: 'Web',
      connection: 'Username-Password-Authentication',
    };
  });
}

let state: ReturnType<typeof tempStateDb>;
let clock: ManualClock;
let poster: FakePoster;

beforeEach(() => {
  state = tempStateDb();
  clock = new ManualClock();
  poster = new FakePoster(clock);
});
afterEach(() => state.cleanup());

function sender() {
  return createSender({ store: state.store, poster, catalog, logger: captureLogger().logger, defaultChannel: '#sec', clock, backoff: { random: () => 0 } });
}

/** Like the poller: pages of 100, each evaluated and queued in one transaction. */
async function poll(events: LogEvent[], engineState: EngineState): Promise<EngineState> {
  let current = engineState;
  for (let start = 0; start < events.length; start += 100) {
    const result = evaluate(ruleSet, current, events.slice(start, start + 100));
    current = result.state;
    await state.store.enqueueAlerts('acme', result.alerts, '#sec');
  }
  return current;
}

function countsByRule(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const post of poster.posts) {
    const { rule_id, count } = post.metadata.event_payload;
    counts.set(rule_id, (counts.get(rule_id) ?? 0) + count);
  }
  return counts;
}

function expectEveryEventCounted(events: number): void {
  const rows = state.db.prepare(`SELECT rule_id, alert FROM outbox`).all() as { rule_id: string; alert: string }[];
  const queued = new Map<string, number>();
  for (const row of rows) queued.set(row.rule_id, (queued.get(row.rule_id) ?? 0) + (JSON.parse(row.alert) as { count: number }).count);
  // Both default rules on failed logins (brute force, credential stuffing) see every event.
  expect([...queued.keys()].sort()).toEqual(['brute-force-by-ip', 'credential-stuffing']);
  expect(countsByRule()).toEqual(queued);
  expect(queued.get('brute-force-by-ip')).toBe(events);
  // Every log id the engine queued is reported by exactly one message (a digest's too: CONTRACT.md).
  const ids = poster.posts.flatMap((post) => post.metadata.event_payload.log_ids.map((id) => `${post.metadata.event_payload.rule_id}:${id}`));
  expect(new Set(ids).size).toBe(ids.length);
  const queuedIds = rows.flatMap((row) => (JSON.parse(row.alert) as { logIds: string[] }).logIds.map((id) => `${row.rule_id}:${id}`));
  expect(ids.length).toBe(new Set(queuedIds).size);
  expect(poster.posts.every((post) => post.metadata.event_payload.log_ids.length <= 100)).toBe(true);
  expect(state.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE status != 'sent'`).get()).toEqual({ n: 0 });
}

describe('flood', () => {
  it('a backlog of 10,000 events from 50 IPs becomes at most 10 channel messages (digests), every event counted', async () => {
    await poll(attack(10_000, 50), initialState());
    const report = await sender().drainOnce({ deadlineMs: 600_000 });
    expect(report.pending).toBe(0);
    expect(poster.channelMessages().length).toBeLessThanOrEqual(10);
    expect(report.digests).toBeGreaterThan(0);
    expectEveryEventCounted(10_000);
  });

  it('a live attack from 4 IPs, drained after every poll cycle, stays at one message per incident', async () => {
    const events = attack(10_000, 4);
    const s = sender();
    let engineState = initialState();
    for (let cycle = 0; cycle < events.length; cycle += 1000) {
      engineState = await poll(events.slice(cycle, cycle + 1000), engineState);
      await s.drainOnce({ deadlineMs: 600_000 });
    }
    expect(poster.channelMessages().length).toBeLessThanOrEqual(10);
    // Further events go to the incidents' threads, and each parent shows the running count.
    expect(poster.posts.filter((p) => p.thread_ts).length).toBeGreaterThan(0);
    expect(poster.updates.length).toBeGreaterThan(0);
    expectEveryEventCounted(10_000);
  });
});
