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
