import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/auth0/log-event.js';
import { RuleStateConflictError } from '../../src/errors.js';
import { INTAKE_DEFAULTS, TenantIntake } from '../../src/intake/tenant-intake.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, RuleSchema, type Alert } from '../../src/engine/index.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
import { alertOnFailedLogins } from '../helpers/auth0-evaluator.js';
import { captureLogger, logEvent } from '../helpers/auth0-fixtures.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

const events = Array.from({ length: 6 }, (_, index) => logEvent(index + 1) as LogEvent);
const ids = events.map((event) => event.log_id);
const received = new Date('2024-05-01T12:05:00Z');

describe('TenantIntake: each log id evaluated once, whichever path brings it', () => {
  let temp: TempState;
  afterEach(() => temp?.cleanup());

  function intakeOn(state = (temp = tempStateDb()).store, options: { maxAttempts?: number } = {}) {
    const store = new TenantCheckpointStore(state, 'acme', '#alerts');
    return { store, intake: new TenantIntake({ tenant: 'acme', store, evaluator: alertOnFailedLogins(), logger: captureLogger().logger, ...options }) };
  }
  const queued = (t: TempState) =>
    (t.db.prepare("SELECT alert FROM outbox ORDER BY id").all() as Array<{ alert: string }>).map((row) => (JSON.parse(row.alert) as { logIds: string[] }).logIds[0]);

  it('skips what the stream delivered when the poller pages over it, and moves the checkpoint past it', async () => {
    const { intake } = intakeOn();
    await intake.commitPages({ after: null, checkpoint: '900', checkpointDate: null, events: [] });
    // The stream brings 2..4 (out of order, 3 twice); the poller then pages over 1..6.
    expect(await intake.commitStream([events[3]!, events[1]!, events[2]!, events[2]!], received)).toMatchObject({ evaluated: 3, duplicates: 1, alertsQueued: 3 });
    const polled = await intake.commitPages({ after: '900', checkpoint: ids[5]!, checkpointDate: events[5]!.date, events });
    expect(polled).toMatchObject({ evaluated: 3, duplicates: 3, alertsQueued: 3, newestEventDate: events[5]!.date });
    // A retried stream batch and a poller page the stream already delivered add nothing.
    expect(await intake.commitStream(events, received)).toMatchObject({ evaluated: 0, duplicates: 6, alertsQueued: 0 });
    expect(queued(temp).sort()).toEqual([...ids].sort());
    expect(await temp.store.readTenant('acme')).toMatchObject({ checkpoint: ids[5], ruleState: { seen: 6 }, lastStreamAt: received.toISOString() });
  });

  it('serialises concurrent steps of one tenant in one process: no conflict, nothing twice', async () => {
    const { store, intake } = intakeOn();
    let commits = 0;
    const commitStream = store.commitStream.bind(store);
    store.commitStream = (batch) => {
      commits += 1;
      return commitStream(batch);
    };
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => intake.commitStream([events[n]!, events[(n + 1) % 6]!], received)));
    expect(results.reduce((sum, r) => sum + r.evaluated, 0)).toBe(6);
    expect(commits).toBe(6); // one commit per request: none was refused and retried
    expect(queued(temp).sort()).toEqual([...ids].sort());
    expect(await temp.store.readTenant('acme')).toMatchObject({ ruleState: { seen: 6 }, ruleStateVersion: 6 });
  });

  it('evaluates again on the stored state when another process committed meanwhile', async () => {
    const here = intakeOn();
    const there = intakeOn(temp.reopen());
    await here.intake.commitStream([events[0]!], received); // `here` caches version 1
    await there.intake.commitStream([events[1]!, events[2]!], received); // another replica: version 2
    let attempts = 0;
    const commitStream = here.store.commitStream.bind(here.store);
    here.store.commitStream = (batch) => {
      attempts += 1;
      return commitStream(batch);
    };
    // Overlaps what the other process evaluated: only the new event counts.
    expect(await here.intake.commitStream([events[2]!, events[3]!], received)).toMatchObject({ evaluated: 1, duplicates: 1 });
    expect(attempts).toBe(2); // the first commit was refused (stale version), the second went through
    expect(await temp.store.readTenant('acme')).toMatchObject({ ruleState: { seen: 4 }, ruleStateVersion: 3 });
    expect(queued(temp).sort()).toEqual(ids.slice(0, 4).sort());
  });

  it('gives up after a bounded number of refused commits, storing nothing', async () => {
    const { store, intake } = intakeOn();
    let attempts = 0;
    store.commitStream = async () => {
      attempts += 1;
      throw new RuleStateConflictError('another writer committed meanwhile');
    };
    await expect(intake.commitStream([events[0]!], received)).rejects.toBeInstanceOf(RuleStateConflictError);
    expect(attempts).toBe(INTAKE_DEFAULTS.maxAttempts);
    expect(queued(temp)).toEqual([]);
    // The next step works again from what is stored.
    store.commitStream = TenantCheckpointStore.prototype.commitStream.bind(store);
    expect(await intake.commitStream([events[0]!], received)).toMatchObject({ evaluated: 1 });
  });

  it('keeps rule state a stream stored before the first poll when the poller stores its starting position', async () => {
    const { intake } = intakeOn();
    await intake.commitStream([events[0]!, events[1]!], received);
    await intake.commitPages({ after: null, checkpoint: ids[0]!, checkpointDate: null, events: [] });
    expect(await temp.store.readTenant('acme')).toMatchObject({ checkpoint: ids[0], ruleState: { seen: 2 }, ruleStateVersion: 2 });
  });
});

describe('TenantIntake with profile rules (impossible travel): the same memory by stream and by poll', () => {
  const catalog = loadCatalog();
  const ruleSet = compileRules([RuleSchema.parse({ id: 'travel', severity: 'high', match: { codes: ['s'] }, impossible_travel: {}, throttle: '1h' })], catalog);
  const login = (seq: number, place: object) => logEvent(seq, { type: 's', description: 'Successful login', location_info: place }) as LogEvent;
  const amsterdam = login(1, { city_name: 'Amsterdam', country_name: 'Netherlands', latitude: 52.37, longitude: 4.9 });
  const sydney = login(3_600, { city_name: 'Sydney', country_name: 'Australia', latitude: -33.87, longitude: 151.21 });
  let temp: TempState;
  afterEach(() => temp?.cleanup());

  it('a login streamed in is remembered for the one the poller brings next (and the reverse), in one alert', async () => {
    temp = tempStateDb();
    const intake = () => new TenantIntake({ tenant: 'acme', store: new TenantCheckpointStore(temp.store, 'acme', '#alerts'), evaluator: engineEvaluator(ruleSet), logger: captureLogger().logger });
    await intake().commitPages({ after: null, checkpoint: '900', checkpointDate: null, events: [] });
    expect(await intake().commitStream([amsterdam], received)).toMatchObject({ evaluated: 1, alertsQueued: 0 });
    const rows = () => temp.db.prepare('SELECT key, seen_at FROM profiles').all();
    expect(rows()).toEqual([{ key: 'travel\u0000auth0|user1', seen_at: Date.parse(amsterdam.date) }]);
    // Another intake (a restart): Amsterdam comes from the stored profile; the poller's page repeats it and adds Sydney.
    expect(await intake().commitPages({ after: '900', checkpoint: sydney.log_id, checkpointDate: sydney.date, events: [amsterdam, sydney] })).toMatchObject({
      evaluated: 1,
      duplicates: 1,
      alertsQueued: 1,
    });
    expect(rows()).toEqual([{ key: 'travel\u0000auth0|user1', seen_at: Date.parse(sydney.date) }]);
    const travel = (temp.db.prepare('SELECT alert FROM outbox').all() as Array<{ alert: string }>).map((row) => (JSON.parse(row.alert) as Alert).travel);
    expect(travel.map((t) => t && [t.from.place, t.to.place])).toEqual([['Amsterdam, Netherlands', 'Sydney, Australia']]);
  });
});

describe('TenantIntake with the engine changing its state in place: a failed commit never counts a page twice', () => {
  const catalog = loadCatalog();
  // Three failures from one IP in 5 minutes: counting one page twice would fire it a page early.
  const ruleSet = compileRules(
    [RuleSchema.parse({ id: 'burst', severity: 'high', match: { codes: ['f'] }, threshold: { count: 3, window: '5m', group_by: ['ip'] }, throttle: '1h' })],
    catalog,
  );
  const failure = (seq: number) => logEvent(seq) as LogEvent;
  const pages = [[failure(1)], [failure(2)], [failure(3)], [failure(4)]];
  const temps: TempState[] = [];
  afterEach(() => {
    for (const t of temps.splice(0)) t.cleanup();
  });

  function engineIntake() {
    const t = tempStateDb();
    temps.push(t);
    const store = new TenantCheckpointStore(t.store, 'acme', '#alerts');
    const intake = new TenantIntake({ tenant: 'acme', store, evaluator: engineEvaluator(ruleSet), logger: captureLogger().logger });
    const outbox = () =>
      (t.db.prepare('SELECT alert FROM outbox ORDER BY id').all() as Array<{ alert: string }>).map((row) => {
        const alert = JSON.parse(row.alert) as Alert;
        return { kind: alert.kind, count: alert.count, logIds: alert.logIds };
      });
    return { t, store, intake, outbox };
  }

  async function commitAll(intake: TenantIntake, from = 0): Promise<void> {
    for (let i = from; i < pages.length; i++) {
      const page = pages[i]!;
      await intake.commitPages({ after: i === 0 ? null : pages[i - 1]![0]!.log_id, checkpoint: page[0]!.log_id, checkpointDate: page[0]!.date, events: page });
    }
  }

  it('a page whose commit failed, paged again, gives exactly the alerts of a run without the failure', async () => {
    const clean = engineIntake();
    await commitAll(clean.intake);
    const expected = clean.outbox();
    // The setup this test needs: the third failure fires, the fourth is a repeat.
    expect(expected.map((alert) => [alert.kind, alert.count])).toEqual([['alert', 3], ['repeat', 1]]);

    // The same pages on a fresh file, with the second page's commit failing once (a disk error after evaluating).
    const run = engineIntake();
    const commit = run.store.commit.bind(run.store);
    let failures = 0;
    run.store.commit = async (page) => {
      if (page.checkpoint === pages[1]![0]!.log_id && failures === 0) {
        failures += 1;
        throw new Error('SQLITE_IOERR: disk I/O error');
      }
      return commit(page);
    };
    await commitAll(run.intake, 0).then(
      () => expect.unreachable('the failing commit should have thrown'),
      (error: Error) => expect(error.message).toMatch(/SQLITE_IOERR/),
    );
    // The poller pages again from the stored checkpoint (after the first page).
    await commitAll(run.intake, 1);
    expect(run.outbox()).toEqual(expected);
    expect((await run.t.store.readTenant('acme'))?.ruleState).toEqual((await clean.t.store.readTenant('acme'))?.ruleState);
  });

  it('a commit refused for a conflict is evaluated again on the stored state, not on the one it wrote', async () => {
    const clean = engineIntake();
    await commitAll(clean.intake);
    const run = engineIntake();
    const commit = run.store.commit.bind(run.store);
    let refused = 0;
    run.store.commit = async (page) => {
      if (page.checkpoint === pages[1]![0]!.log_id && refused < 2) {
        refused += 1;
        throw new RuleStateConflictError('another writer committed meanwhile');
      }
      return commit(page);
    };
    await commitAll(run.intake);
    expect(refused).toBe(2);
    expect(run.outbox()).toEqual(clean.outbox());
    expect((await run.t.store.readTenant('acme'))?.ruleState).toEqual((await clean.t.store.readTenant('acme'))?.ruleState);
  });
});
