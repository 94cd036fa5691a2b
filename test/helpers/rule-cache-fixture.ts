import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../../src/catalog/index.js';
import { buildRuleCache, readRuleCache, writeRuleCache } from '../../src/engine/rule-cache.js';
import { BUNDLED_RULES_DIR } from '../../src/engine/rule-dirs.js';
import { tempDir } from './temp-db.js';

/**
 * A copy of the bundled rules, a stand-in for the compiled code, and the record
 * the build would write for them (its temp folder removed by `cleanups`).
 */
export function builtRuleCache(catalog: Catalog, cleanups: Array<() => void>) {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const rules = join(dir, 'rules');
  const code = join(dir, 'dist');
  cpSync(BUNDLED_RULES_DIR, rules, { recursive: true });
  mkdirSync(join(code, 'engine'), { recursive: true });
  writeFileSync(join(code, 'engine', 'load.js'), 'export const parse = 1;\n');
  const file = join(code, 'rule-cache.json');
  writeRuleCache(buildRuleCache(rules, catalog, code), file);
  const record = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint: string; files: Record<string, unknown> };
  return { rules, code, file, record, cache: () => readRuleCache(file, code) };
}
