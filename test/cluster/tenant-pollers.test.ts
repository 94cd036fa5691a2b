import { describe, expect, it } from 'vitest';
import { TenantPollers } from '../../src/cluster/tenant-pollers.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';

/** A cycle that runs until released, recording how many run at once. */
function gatedCycles() {
  const running = new Set<string>();
  let most = 0;
  const gates: Array<() => void> = [];
  const runs: string[] = [];
  const make = (tenant: string) => async () => {
    runs.push(tenant);
    const key = `${tenant}#${runs.length}`;
    running.add(key);
    most = Math.max(most, running.size);
    await new Promise<void>((resolve) => gates.push(resolve));
    running.delete(key);
    return { tenant };
  };
  return { make, runs, release: () => gates.splice(0).forEach((open) => open()), most: () => most };
}

describe('TenantPollers', () => {
  it('polls held tenants side by side, never two cycles of one tenant at once, and stops one when its signal aborts', async () => {
    const cycles = gatedCycles();
    const reports: string[] = [];
    const { logger, records } = captureLogger();
    const pollers = new TenantPollers<{ tenant: string }>({ makeCycle: (tenant) => cycles.make(tenant), onReport: (r) => reports.push(r.tenant), logger });
    const acme = new AbortController();
    pollers.start('acme', acme.signal);
    pollers.start('globex', new AbortController().signal);
    await Promise.resolve();
    expect(cycles.runs).toEqual(['acme', 'globex']); // both at once, started when taken
    expect(cycles.most()).toBe(2);
    pollers.tick(); // both still running: skipped, said so
    expect(cycles.runs).toHaveLength(2);
    expect(records().filter((r) => /poll tick skipped/.test(String(r.msg)))).toHaveLength(2);

    acme.abort(); // lost: its cycle in progress ends, no new one starts
    cycles.release();
    await pollers.whenStopped('acme');
    await pollers.idle();
    expect(reports.sort()).toEqual(['acme', 'globex']);
    expect(pollers.polling()).toEqual(['globex']);
    pollers.tick();
    await Promise.resolve();
    expect(cycles.runs).toEqual(['acme', 'globex', 'globex']);
    cycles.release();
    await pollers.idle();
  });

  it('a tenant lost and taken again at once starts its new cycle only after the old one ended', async () => {
    const cycles = gatedCycles();
    const pollers = new TenantPollers<{ tenant: string }>({ makeCycle: (tenant) => cycles.make(tenant), onReport: () => {}, logger: captureLogger().logger });
    const first = new AbortController();
    pollers.start('acme', first.signal);
    await Promise.resolve();
    first.abort();
    pollers.start('acme', new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cycles.runs).toEqual(['acme']); // the old one still runs: no second cycle beside it
    cycles.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(cycles.runs).toEqual(['acme', 'acme']);
    expect(cycles.most()).toBe(1);
    cycles.release();
    await pollers.idle();
    expect(pollers.polling()).toEqual(['acme']);
  });

  it('reports nothing for a cycle that did not poll (a tenant waiting out a backoff)', async () => {
    const reports: unknown[] = [];
    const pollers = new TenantPollers<{ tenant: string }>({ makeCycle: () => async () => undefined, onReport: (r) => reports.push(r), logger: captureLogger().logger });
    pollers.start('acme', new AbortController().signal);
    await pollers.idle();
    expect(reports).toEqual([]);
  });
});
