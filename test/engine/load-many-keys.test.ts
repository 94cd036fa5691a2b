import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadRuleFile } from '../../src/engine/load.js';

/**
 * Issue 11, point 7: parsing a rule file with very many keys was quadratic (the
 * yaml library's unique-key check, then one linear key search per problem):
 * 8,000 keys took ~3.7 s, so 30,000 would take close to a minute and time this
 * test out. Linear now.
 */
const catalog = loadCatalog();
const HEADER = 'id: many-keys\nseverity: high\nmatch:\n  codes: [f]\n';

describe('rule files with very many keys', () => {
  it('30,000 unknown keys: each reported once, at its own line', () => {
    const keys = 30_000;
    const text = `${HEADER}${Array.from({ length: keys }, (_, i) => `k${i}: 1`).join('\n')}\n`;
    const { problems } = loadRuleFile('many.yml', text, catalog);
    expect(problems).toHaveLength(keys);
    expect(problems[0]!.message).toMatch(/^many\.yml:5:1 k0: unknown key 'k0'/);
    expect(problems[keys - 1]!.message).toMatch(new RegExp(`^many\\.yml:${keys + 4}:1 k${keys - 1}: unknown key 'k${keys - 1}'`));
  });

  it('a repeated key is still an error, at the repeat, in a map of 30,000 keys', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `    f${i}: 1`);
    lines.push('    f17: 2');
    const text = `${HEADER}  where:\n    ip: { exists: true }\ntests:\n  - name: t\n    events:\n      - event:\n${lines.join('\n')}\n    expect: { alerts: 0 }\n`;
    const { problems } = loadRuleFile('dup.yml', text, catalog);
    expect(problems.map((p) => p.message)).toEqual([`dup.yml:${5 + 6 + 30_000}:5 not valid YAML: the key 'f17' appears twice in one mapping`]);
  });
});
