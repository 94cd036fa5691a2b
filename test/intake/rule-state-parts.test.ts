import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, loadRules, restoreState } from '../../src/engine/index.js';
import { TenantIntake } from '../../src/intake/tenant-intake.js';
import { TenantCheckpointStore } from '../../src/run/checkpoint-store.js';
import { engineEvaluator } from '../../src/run/engine-evaluator.js';
import type { RuleStateParts } from '../../src/state/store.js';
import { captureLogger } from '../helpers/auth0-fixtures.js';
import { credentialStuffingBurst } from '../helpers/engine-traffic.js';
import { tempStateDb, type TempState } from '../helpers/temp-db.js';

const ruleSet = (() => {
  const catalog = loadCatalog();
  const loaded = loadRules('rules', catalog);
  expect(loaded.problems).toEqual([]);
  return compileRules(loaded.rules, catalog);
})();

/**
 * The poll path with the real rule engine and SQLite: the rule state is
 * committed in parts, all of them after a load and only the changed ones after
 * that, and what is stored always reads back as the evaluator's state.
 */
describe('TenantIntake with the engine: rule state stored in parts', () => {
  let temp: TempState;
  afterEach(() => temp?.cleanup());

  function intakeOn(state = (temp = tempStateDb()).store) {
    const store = new TenantCheckpointStore(state, 'acme', '#alerts');
    const commits: RuleStateParts[] = [];
    const commit = store.commit.bind(store);
    store.commit = (page) => {
      if (page.ruleStateParts) commits.push(page.ruleStateParts);
      return commit(page);
    };
    const evaluator = engineEvaluator(ruleSet);
    const intake = new TenantIntake({ tenant: 'acme', store, evaluator, logger: captureLogger().logger });
    return { intake, evaluator, commits };
  }

  it('writes every part after a load, then only changed ones, and the stored state always equals the evaluated one', async () => {
    const { events } = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:00:00Z'), minutes: 5, attackers: 3 });
    const { intake, evaluator, commits } = intakeOn();
    let after: string | null = null;
    let expected = evaluator.initialState();
    for (let i = 0; i < events.length; i += 200) {
      const page = events.slice(i, i + 200);
      await intake.commitPages({ after, checkpoint: page.at(-1)!.log_id, checkpointDate: page.at(-1)!.date, events: page });
      after = page.at(-1)!.log_id;
      expected = evaluator.evaluate(expected, page).state;
      const stored = (await temp.store.readTenant('acme'))!;
      expect(stored.ruleStateDamaged).toBe(false);
      expect(stored.ruleState).toEqual(JSON.parse(JSON.stringify(expected)));
    }
    expect(commits.length).toBeGreaterThan(2);
    expect(commits[0]!.complete).toBe(true);
    expect(commits.slice(1).every((parts) => !parts.complete)).toBe(true);
    // A page of a burst changes a few buckets of the thousands.
    const total = commits[0]!.parts.size;
    expect(Math.max(...commits.slice(1).map((parts) => parts.parts.size))).toBeLessThan(total / 4);

    // Another process (a restart) loads what is stored and goes on: its first commit is complete again.
    const next = intakeOn(temp.reopen());
    const more = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:06:00Z'), minutes: 1, attackers: 1 }).events;
    await next.intake.commitPages({ after, checkpoint: more.at(-1)!.log_id, checkpointDate: more.at(-1)!.date, events: more });
    expect(next.commits.map((parts) => parts.complete)).toEqual([true]);
    expected = evaluator.evaluate(restoreState(JSON.parse(JSON.stringify(expected))), more).state;
    expect((await temp.store.readTenant('acme'))!.ruleState).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('upgrades a state stored whole by an older release: read as it was, then replaced by all its parts', async () => {
    const { events } = credentialStuffingBurst({ start: Date.parse('2024-05-01T11:00:00Z'), minutes: 2, attackers: 1 });
    temp = tempStateDb();
    const evaluator = engineEvaluator(ruleSet);
    const half = Math.floor(events.length / 2);
    const older = evaluator.evaluate(evaluator.initialState(), events.slice(0, half)).state;
    // What the previous release committed: the whole state as one JSON text.
    await temp.store.commitPage('acme', { after: null, checkpoint: events[half - 1]!.log_id, checkpointDate: null, ruleState: older, alerts: [], defaultChannel: '#alerts' });
    const { intake, commits } = intakeOn(temp.store);
    const rest = events.slice(half);
    await intake.commitPages({ after: events[half - 1]!.log_id, checkpoint: rest.at(-1)!.log_id, checkpointDate: null, events: rest });
    expect(commits.map((parts) => parts.complete)).toEqual([true]);
    const expected = evaluator.evaluate(restoreState(JSON.parse(JSON.stringify(older))), rest).state;
    expect((await temp.store.readTenant('acme'))!.ruleState).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});
