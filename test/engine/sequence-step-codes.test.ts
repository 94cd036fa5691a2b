// A sequence finds the steps an event's code concerns in one look-up (compile.ts, stepsWithCode):
// the mask must say exactly what asking each step's hasCode says, for exact codes shared between
// steps, codes of no step, and globs.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { compileRules, loadRules } from '../../src/engine/index.js';
import { fakeCatalog, ruleSet } from '../helpers/engine-fixtures.js';

const maskByAsking = (steps: ReadonlyArray<{ hasCode: (code: string) => boolean }>, code: string) =>
  steps.reduce((mask, step, s) => (step.hasCode(code) ? mask | (1 << s) : mask), 0);

describe("a sequence's steps by event code", () => {
  it('are the steps whose codes take it, for the default rules and every catalog code', () => {
    const catalog = loadCatalog();
    const { rules } = compileRules(loadRules('rules', catalog).rules, catalog);
    const codes = [...catalog.all().map((entry) => entry.code), 'not-a-code', '', 's ', 'S'];
    let sequences = 0;
    for (const rule of rules) {
      if (!rule.sequence) continue;
      sequences += 1;
      for (const code of codes) expect(rule.sequence.stepsWithCode(code), `${rule.id} ${code}`).toBe(maskByAsking(rule.sequence.steps, code));
    }
    expect(sequences).toBeGreaterThan(2);
  });

  it('are the steps whose codes take it when steps share codes or use globs', () => {
    const catalog = fakeCatalog(['f', 'fp', 'fu', 's', 'sapi', 'pwd_leak', 'limit_wc', 'limit_mu']);
    const set = ruleSet(
      [
        { id: 'shared', match: undefined, sequence: { by: ['ip'], within: '5m', steps: [{ codes: ['f', 'fp'], count: 2 }, { codes: ['fp', 's'] }, { codes: ['s'] }] } },
        { id: 'globs', match: undefined, sequence: { by: ['ip'], within: '5m', steps: [{ codes: ['limit_*', 'f'] }, { codes: ['s', 'f*'] }] } },
      ],
      catalog,
    );
    const codes = ['f', 'fp', 'fu', 's', 'sapi', 'pwd_leak', 'limit_wc', 'limit_mu', 'limit_new', 'fx', 'x', ''];
    for (const rule of set.rules) {
      for (const code of codes) expect(rule.sequence!.stepsWithCode(code), `${rule.id} ${code}`).toBe(maskByAsking(rule.sequence!.steps, code));
    }
    expect(set.rules[0]!.sequence!.stepsWithCode('fp')).toBe(0b011);
    expect(set.rules[1]!.sequence!.stepsWithCode('limit_new')).toBe(0b01);
  });
});
