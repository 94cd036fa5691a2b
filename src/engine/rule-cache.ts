import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Catalog } from '../catalog/types.js';
import { loadRuleFile } from './load.js';
import type { Rule } from './rule-schema.js';

/**
 * A build-time record of the bundled rule pack, parsed and checked: every
 * process start (`run`, `replay`, `run --once` from cron) otherwise parses the
 * same ~40 YAML files with their source maps and validates them — ~0.5 s, the
 * largest part of a short command's start. `npm run build` writes it into
 * dist/ (scripts/write-rule-cache.mjs); a rule file is taken from it only when
 * the file's SHA-256 is the one recorded AND the record was made by this very
 * code (a hash of every compiled file, the catalog among them, and of the YAML
 * and zod versions). Anything else — an edited rule, another build, a user's
 * folder, a run from the sources — is parsed and checked as always.
 */
export interface RuleCacheRecord {
  /** codeFingerprint() of the build that wrote it. */
  fingerprint: string;
  /** Rule file name → the SHA-256 of its text and the rule it parsed to (only files without problems or warnings). */
  files: Record<string, { sha256: string; rule: Rule }>;
}

export type RuleCache = ReadonlyMap<string, { sha256: string; rule: Rule }>;

/** Where the build puts the record: dist/rule-cache.json (beside the compiled code it belongs to). */
export const RULE_CACHE_FILE = fileURLToPath(new URL('../rule-cache.json', import.meta.url));
/** The compiled code the record belongs to (dist/ in a build, src/ when run from the sources). */
export const CODE_ROOT = fileURLToPath(new URL('../', import.meta.url));

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Every .js file under `root`, sorted, with its content, plus the YAML and zod versions: what parsing a rule depends on. */
export function codeFingerprint(root: string = CODE_ROOT): string {
  const hash = createHash('sha256');
  const require = createRequire(import.meta.url);
  for (const name of ['yaml', 'zod']) hash.update(`${name}@${(require(`${name}/package.json`) as { version: string }).version}\n`);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : /\.js$/.test(entry.name) ? [join(dir, entry.name)] : []))
      .sort();
  for (const file of walk(root)) {
    hash.update(`${file.slice(root.length)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** Parses every rule file of `dir` and records those that load clean. */
export function buildRuleCache(dir: string, catalog: Catalog, root: string = CODE_ROOT): RuleCacheRecord {
  const files: RuleCacheRecord['files'] = {};
  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/i.test(file)).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    const loaded = loadRuleFile(join(dir, name), text, catalog);
    if (loaded.rule && loaded.problems.length === 0 && loaded.warnings.length === 0) files[name] = { sha256: sha256(text), rule: loaded.rule };
  }
  return { fingerprint: codeFingerprint(root), files };
}

export function writeRuleCache(record: RuleCacheRecord, file: string = RULE_CACHE_FILE): void {
  writeFileSync(file, `${JSON.stringify(record)}\n`);
}

/**
 * What a usable record looks like. The fingerprint only proves which code
 * wrote it, not that the file is whole: an entry that is not a rule object
 * would otherwise drop that default rule without a word (loadRuleFolder takes
 * the recorded entry for a matching SHA-256), so a record of any other shape
 * is refused whole and every file is parsed.
 */
const RecordSchema = z.object({
  fingerprint: z.string(),
  files: z.record(z.string(), z.object({ sha256: z.string(), rule: z.looseObject({ id: z.string() }) })),
});

/**
 * The recorded rules, when the record exists and was written by this code;
 * undefined otherwise (no build, another build, an unreadable or damaged
 * record): the files are then parsed as always, never a failed start.
 */
export function readRuleCache(file: string = RULE_CACHE_FILE, root: string = CODE_ROOT): RuleCache | undefined {
  try {
    if (!existsSync(file)) return undefined;
    const record = RecordSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!record.success || record.data.fingerprint !== codeFingerprint(root)) return undefined;
    return new Map(Object.entries(record.data.files as RuleCacheRecord['files']));
  } catch {
    return undefined;
  }
}
