import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/auth0/checkpoint.js';
import type { LogSource } from '../../src/auth0/log-source.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { runPollCycle } from '../../src/run/poller.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

// Issue #10 §4: a checkpoint older than what Auth0 still keeps is a log gap, told with its range.
const HOUR = 3_600_000;
const NOW = Date.parse('2024-06-10T12:00:00Z');

let state: TempState;
beforeEach(() => {
  state = tempStateDb();
});
afterEach(() => state.cleanup());

function source(oldest: Date | null): LogSource & { oldestCalls: number } {
  return {
    oldestCalls: 0,
    fetchPage: async () => [],
    newestLogId: async () => null,
    async oldestLogDate() {
      this.oldestCalls += 1;
      return oldest;
    },
    takeWaitStats: () => ({ rateLimitWaits: 0, rateLimitWaitMs: 0, retries: 0 }),
  };
}

let tenants = 0;
async function cycle(checkpointAgo: number, oldestAgo: number | null, lastSuccessAgo?: number) {
  const tenant = `t${++tenants}`;
  await state.store.commitPage(tenant, { checkpoint: syntheticCheckpoint(new Date(NOW - checkpointAgo)), checkpointDate: null, ruleState: { seen: 0 }, alerts: [], defaultChannel: '#a' });
  if (lastSuccessAgo !== undefined) await state.store.recordPollOutcome(tenant, { ok: true, at: new Date(NOW - lastSuccessAgo) });
  const logs = source(oldestAgo === null ? null : new Date(NOW - oldestAgo));
  const { logger } = captureLogger();
  const report = await runPollCycle({
    tenant,
    source: logs,
    store: new TenantCheckpointStore(state.store, tenant, '#a', () => NOW),
    evaluator: alertOnFailedLogins(),
    startFrom: { kind: 'now' },
    logger,
    now: () => NOW,
    checkLogGap: true,
  });
  return { report, logs };
}

describe('log gap detection', () => {
  it('reports the range between the checkpoint and the oldest log Auth0 still keeps', async () => {
    const { report } = await cycle(72 * HOUR, 24 * HOUR);
    expect(report.logGap).toEqual({ from: new Date(NOW - 72 * HOUR).toISOString(), to: new Date(NOW - 24 * HOUR).toISOString() });
    expect(report.ok).toBe(true);
  });

  it('counts from the last successful poll: events up to then were read (a quiet tenant loses nothing)', async () => {
    expect((await cycle(72 * HOUR, 1 * HOUR, 2 * HOUR)).report.logGap).toBeUndefined();
    expect((await cycle(72 * HOUR, 1 * HOUR, 30 * HOUR)).report.logGap).toEqual({ from: new Date(NOW - 30 * HOUR).toISOString(), to: new Date(NOW - 1 * HOUR).toISOString() });
  });

  it('asks nothing while the checkpoint is younger than the shortest retention, and reports nothing when older logs are kept', async () => {
    const young = await cycle(10 * HOUR, 1 * HOUR);
    expect(young.logs.oldestCalls).toBe(0);
    const kept = await cycle(72 * HOUR, 30 * 24 * HOUR);
    expect(kept.logs.oldestCalls).toBe(1);
    expect(kept.report.logGap).toBeUndefined();
    expect((await cycle(72 * HOUR, null)).report.logGap).toBeUndefined();
  });
});

describe('a first run backfilling with START_FROM', () => {
  // README "3. Run": `run --once --dry-run` with START_FROM=24h, then a real run. A tenant whose oldest kept log
  // is younger than the chosen start (a quiet tenant, or retention shorter than START_FROM) lost nothing the bot
  // had to read: it never read before. A log_gap there posts "Auth0 logs were lost" to Slack on day one.
  async function firstCycle(startFrom: { kind: 'ago'; ms: number } | { kind: 'date'; at: Date }, oldestAgo: number) {
    const tenant = `first${++tenants}`;
    const logs = source(new Date(NOW - oldestAgo));
    const capture = captureLogger();
    const report = await runPollCycle({
      tenant,
      source: logs,
      store: new TenantCheckpointStore(state.store, tenant, '#a', () => NOW),
      evaluator: alertOnFailedLogins(),
      startFrom,
      logger: capture.logger,
      now: () => NOW,
      checkLogGap: true,
    });
    return { report, logs, records: capture.records() };
  }

  it('START_FROM=24h on a quiet tenant (oldest kept log an hour old) is no log gap: no retention drops a day-old event', async () => {
    const { report, records, logs } = await firstCycle({ kind: 'ago', ms: 24 * HOUR }, 1 * HOUR);
    expect(logs.oldestCalls).toBe(1);
    expect(report.logGap).toBeUndefined();
    expect(records.filter((record) => Number(record.level) >= 40)).toEqual([]);
    // 29 h back: the 5 h beyond a day are under LOG_GAP_MIN_MS — quiet time, not a gap
    expect((await firstCycle({ kind: 'ago', ms: 29 * HOUR }, 1 * HOUR)).report.logGap).toBeUndefined();
  });

  it('START_FROM further back than Auth0 keeps still tells the stretch retention may have dropped', async () => {
    // 3 days back, the oldest kept log 12 h old: what lies before a day ago may be gone (a 1-day plan)
    const { report } = await firstCycle({ kind: 'ago', ms: 72 * HOUR }, 12 * HOUR);
    expect(report.logGap).toEqual({ from: new Date(NOW - 72 * HOUR).toISOString(), to: new Date(NOW - 12 * HOUR).toISOString() });
  });

  it('says nothing when Auth0 keeps logs from before the chosen start', async () => {
    const { report, records, logs } = await firstCycle({ kind: 'date', at: new Date(NOW - 48 * HOUR) }, 10 * 24 * HOUR);
    expect(logs.oldestCalls).toBe(1);
    expect(report.logGap).toBeUndefined();
    expect(records.filter((record) => Number(record.level) >= 40)).toEqual([]);
  });

  it('a later cycle still reports a real gap from the stored checkpoint', async () => {
    // The checkpoint stored (72 h old), the last successful poll 30 h ago: the 29 h up to Auth0's oldest kept log are lost.
    expect((await cycle(72 * HOUR, 1 * HOUR, 30 * HOUR)).report.logGap).toBeDefined();
  });
});
