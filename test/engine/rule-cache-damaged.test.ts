import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadRuleFolder } from '../../src/engine/index.js';
import { readRuleCache, sha256 } from '../../src/engine/rule-cache.js';
import { builtRuleCache } from '../helpers/rule-cache-fixture.js';

const catalog = loadCatalog();
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const built = () => builtRuleCache(catalog, cleanups);

describe('a damaged build-time rule record whose fingerprint still matches', () => {
  it('is refused (the files are parsed), never a crash at start', () => {
    const { code, file, record } = built();
    for (const files of [null, 'text', 7]) {
      writeFileSync(file, JSON.stringify({ fingerprint: record.fingerprint, files }));
      expect(() => readRuleCache(file, code), `files: ${JSON.stringify(files)}`).not.toThrow();
      expect(readRuleCache(file, code)).toBeUndefined();
    }
    writeFileSync(file, 'null');
    expect(readRuleCache(file, code)).toBeUndefined();
  });

  it('never drops a default rule: an entry without a usable rule is not taken, the file is parsed', () => {
    const { rules, code, file, record } = built();
    const name = 'brute-force-by-ip.yml';
    const text = readFileSync(join(rules, name), 'utf8');
    for (const entry of [{ sha256: sha256(text), rule: null }, { sha256: sha256(text), rule: 'x' }, { sha256: sha256(text) }, null]) {
      writeFileSync(file, JSON.stringify({ ...record, files: { ...record.files, [name]: entry } }));
      const loaded = loadRuleFolder(rules, catalog, undefined, readRuleCache(file, code));
      expect(loaded.problems).toEqual([]);
      expect(
        loaded.entries.map((e) => e.rule.id),
        `entry ${JSON.stringify(entry)}`,
      ).toContain('brute-force-by-ip');
    }
  });
});
