import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { runRulesCheck } from '../../src/commands/rules.js';
import { loadRuleFolder, loadRuleLayers } from '../../src/engine/index.js';
import { readRuleCache, type RuleCache } from '../../src/engine/rule-cache.js';
import { BUNDLED_RULES_DIR } from '../../src/engine/rule-dirs.js';
import { builtRuleCache } from '../helpers/rule-cache-fixture.js';
import { tempDir } from '../helpers/temp-db.js';

const catalog = loadCatalog();
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const built = () => builtRuleCache(catalog, cleanups);

/** A record whose rule for `name` is changed, so that using it shows. */
function tampered(cache: RuleCache, name: string, change: (rule: Record<string, unknown>) => Record<string, unknown>): RuleCache {
  const copy = new Map(cache);
  const entry = copy.get(name)!;
  copy.set(name, { ...entry, rule: change({ ...entry.rule }) as never });
  return copy;
}

describe('the build-time record of the bundled rules', () => {
  it('records every default rule exactly as parsing its file gives it (through JSON, as stored)', () => {
    const { rules, cache } = built();
    const parsed = loadRuleFolder(rules, catalog);
    expect(parsed.problems).toEqual([]);
    const recorded = cache()!;
    expect(recorded.size).toBe(parsed.entries.length);
    const fromRecord = loadRuleFolder(rules, catalog, undefined, recorded);
    expect(fromRecord).toEqual(parsed);
  });

  it('is used for a file whose text is unchanged, and never for an edited one', () => {
    const { rules, cache } = built();
    const name = 'brute-force-by-ip.yml';
    const marked = tampered(cache()!, name, (rule) => ({ ...rule, title: 'FROM THE RECORD' }));
    const fromRecord = loadRuleFolder(rules, catalog, undefined, marked);
    expect(fromRecord.entries.find((entry) => entry.file.endsWith(name))?.rule.title).toBe('FROM THE RECORD');

    // One byte changed in the file: parsed again, its problems reported.
    const path = join(rules, name);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^severity: \w+/m, 'severity: catastrophic'));
    const edited = loadRuleFolder(rules, catalog, undefined, marked);
    expect(edited.entries.some((entry) => entry.file.endsWith(name))).toBe(false);
    expect(edited.problems.map((problem) => problem.message).join('\n')).toMatch(new RegExp(`${name}:\\d+:\\d+ severity`));
  });

  it('is refused whole when the code is not the code that wrote it, or the record is damaged or absent', () => {
    const { code, cache } = built();
    expect(cache()).toBeDefined();
    writeFileSync(join(code, 'engine', 'load.js'), 'export const parse = 2;\n');
    expect(cache(), 'a compiled file changed').toBeUndefined();
    writeFileSync(join(code, 'engine', 'load.js'), 'export const parse = 1;\n');
    expect(cache()).toBeDefined();
    writeFileSync(join(code, 'engine', 'new.js'), '\n');
    expect(cache(), 'a compiled file added').toBeUndefined();

    const fresh = built();
    writeFileSync(fresh.file, readFileSync(fresh.file, 'utf8').slice(0, 100));
    expect(fresh.cache(), 'truncated record').toBeUndefined();
    expect(readRuleCache(join(fresh.code, 'absent.json'), fresh.code)).toBeUndefined();
  });

  it('holds the bundled folder only: a user folder with the same file names is parsed', () => {
    const { cache } = built();
    const { dir: user, cleanup } = tempDir();
    cleanups.push(cleanup);
    const mine = readFileSync(join(BUNDLED_RULES_DIR, 'brute-force-by-ip.yml'), 'utf8').replace(/^id: .*$/m, 'id: my-brute-force');
    writeFileSync(join(user, 'brute-force-by-ip.yml'), mine);
    const marked = tampered(cache()!, 'brute-force-by-ip.yml', (rule) => ({ ...rule, title: 'FROM THE RECORD' }));
    const layers = loadRuleLayers({ dirs: [user], useBuildCache: marked }, catalog);
    expect(layers.problems).toEqual([]);
    const titles = new Map(layers.layered.map((entry) => [entry.rule.id, entry.rule.title]));
    expect(titles.get('brute-force-by-ip')).toBe('FROM THE RECORD');
    expect(titles.get('my-brute-force')).not.toBe('FROM THE RECORD');
  });

  it('is never used by `rules check`, which parses and tests every file', () => {
    const { cache } = built();
    const failing = tampered(cache()!, 'brute-force-by-ip.yml', (rule) => ({
      ...rule,
      tests: (rule.tests as Array<{ expect: object }>).map((test) => ({ ...test, expect: { ...test.expect, alerts: 99 } })),
    }));
    // Through loadRuleLayers the tampered tests would fail; the check does not read the record.
    expect(loadRuleLayers({ dirs: [], useBuildCache: failing }, catalog).layered.find((e) => e.rule.id === 'brute-force-by-ip')?.rule.tests?.[0]?.expect.alerts).toBe(99);
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((text: string) => {
      lines.push(text);
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(runRulesCheck(catalog, { dirs: [], useBuildCache: failing })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(lines.join('')).not.toContain('FAIL');
  });
});
