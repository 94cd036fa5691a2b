import { join } from 'node:path';
import { z } from 'zod';
import type { Catalog } from '../catalog/types.js';
import { ConfigError, RuleError } from '../errors.js';
import { compileRules, type RuleSet } from './compile.js';
import { DEFAULTS_FILE, loadRuleFolder, type LoadedRules, type RuleEntry } from './load.js';
import { BUNDLED_RULES_DIR, sameFolder } from './rule-dirs.js';
import { readRuleCache, type RuleCache } from './rule-cache.js';
import { RuleSchema, type Rule } from './rule-schema.js';
import { schemaProblems } from './schema-problems.js';
import { parseYamlSource, readSourceText, type SourceMap } from './source-map.js';
import { didYouMean } from './suggest.js';

/**
 * Rules in layers: the bundled default pack, then the user's folders on top.
 * A user rule with a default's id replaces it; a `defaults.yml` in a user
 * folder switches defaults off by id, re-routes or re-grades them without
 * copying them, or leaves the defaults out altogether:
 *
 *   use_defaults: true          # false: only the rules of your folders
 *   disable: [rate-limits]      # default rules to switch off, by id
 *   override:                   # change a default's delivery, keep its logic
 *     brute-force-by-ip: { channel: "#soc", severity: critical, mention: here }
 */

export interface RuleSources {
  /** The user's rule folders, in order (`--rules`, RULES_DIR, ./rules). */
  dirs: readonly string[];
  /** @default BUNDLED_RULES_DIR */
  bundledDir?: string;
  /**
   * Take the bundled rules the build recorded (rule-cache.ts) for files whose
   * text is unchanged; false parses every file (`rules check`); a record given
   * here is used instead of the build's (tests). @default true
   */
  useBuildCache?: boolean | RuleCache;
}

/** Where a rule comes from, for `rules list`. */
export type RuleOrigin =
  /** A bundled default, as shipped. */
  | { kind: 'default' }
  /** A bundled default with `override` settings from `by`. */
  | { kind: 'overridden'; by: string; fields: string[] }
  /** A bundled default switched off by `by`. */
  | { kind: 'disabled'; by: string }
  /** The user's rule that takes the place of the default with its id. */
  | { kind: 'replaced'; defaultFile: string }
  /** The user's own rule. */
  | { kind: 'yours' };

export interface LayeredRule {
  /** As evaluated: overrides applied, `enabled: false` when switched off. */
  rule: Rule;
  file: string;
  origin: RuleOrigin;
}

export interface LayeredRules extends LoadedRules {
  layered: LayeredRule[];
  /** False when a defaults file says `use_defaults: false`. */
  usesDefaults: boolean;
  /** The warnings about rules lacking a firing or a quiet test (also in `warnings`): `rules check` business only. */
  testWarnings: string[];
}

const OverrideSchema = z
  .strictObject({
    channel: RuleSchema.shape.channel,
    severity: RuleSchema.shape.severity.optional(),
    mention: RuleSchema.shape.mention,
    runbook: RuleSchema.shape.runbook,
  })
  .refine((override) => Object.values(override).some((value) => value !== undefined), {
    message: 'expected at least one of channel, severity, mention, runbook',
  });
type Override = z.infer<typeof OverrideSchema>;

const RuleIdSchema = RuleSchema.shape.id;

export const DefaultsFileSchema = z.strictObject({
  use_defaults: z.boolean().optional(),
  disable: z.array(RuleIdSchema).optional(),
  override: z.record(RuleIdSchema, OverrideSchema).optional(),
});

interface DefaultsSettings {
  useDefaults: boolean;
  /** id → the defaults file that disables it. */
  disable: Map<string, Located>;
  override: Map<string, Located & { settings: Override }>;
  problems: RuleError[];
}

/** Where an entry of a defaults file is, to point errors at it. */
interface Located {
  file: string;
  source: SourceMap;
  path: Array<string | number>;
}

type DefaultsFile = z.infer<typeof DefaultsFileSchema>;

/** The keys of an invalid defaults file that are valid on their own (each override entry apart). */
function validParts(raw: unknown): DefaultsFile {
  const record = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const { use_defaults: useDefaults, disable } = DefaultsFileSchema.shape;
  const overrides = Object.entries(typeof record.override === 'object' && record.override !== null ? record.override : {}).flatMap(([id, value]) => {
    const entry = OverrideSchema.safeParse(value);
    return RuleIdSchema.safeParse(id).success && entry.success ? [[id, entry.data] as const] : [];
  });
  return {
    use_defaults: useDefaults.safeParse(record.use_defaults).data,
    disable: disable.safeParse(record.disable).data,
    override: Object.fromEntries(overrides),
  };
}

/** Reads and merges the defaults files of the user's folders; every problem is located. */
function readDefaultsFiles(dirs: readonly string[], names: ReadonlyMap<string, readonly string[]>): DefaultsSettings {
  const settings: DefaultsSettings = { useDefaults: true, disable: new Map(), override: new Map(), problems: [] };
  for (const dir of dirs) {
    if (!names.get(dir)?.includes(DEFAULTS_FILE)) continue;
    const file = join(dir, DEFAULTS_FILE);
    const read = readSourceText(file);
    const parsedYaml = 'problem' in read ? { problems: [read.problem] } : parseYamlSource(file, read.text);
    if ('problems' in parsedYaml) {
      settings.problems.push(...parsedYaml.problems);
      continue;
    }
    const { source } = parsedYaml;
    const raw: unknown = parsedYaml.raw ?? {};
    const parsed = DefaultsFileSchema.safeParse(raw);
    if (!parsed.success) settings.problems.push(...schemaProblems(source, DefaultsFileSchema, parsed.error, raw));
    // The parts that are valid still count, so that their own problems (an unknown id) show in the same round.
    const data = parsed.success ? parsed.data : validParts(raw);
    if (data.use_defaults === false) settings.useDefaults = false;
    data.disable?.forEach((id, index) => {
      if (!settings.disable.has(id)) settings.disable.set(id, { file, source, path: ['disable', index] });
    });
    for (const [id, override] of Object.entries(data.override ?? {})) {
      const earlier = settings.override.get(id);
      if (earlier) {
        settings.problems.push(source.error(['override', id], `'${id}' is overridden in ${earlier.file} too; keep one`));
        continue;
      }
      settings.override.set(id, { file, source, path: ['override', id], settings: override });
    }
  }
  return settings;
}

/**
 * The rules `run`, `replay`, `demo --rules` and `rules check/list` use: the
 * bundled defaults with the user's folders layered on top. Never throws for bad
 * files: every problem is returned, located at file:line:col.
 */
export function loadRuleLayers(sources: RuleSources, catalog: Catalog): LayeredRules {
  const bundledDir = sources.bundledDir ?? BUNDLED_RULES_DIR;
  // Pointing --rules at the bundled folder (./rules in a checkout) means the defaults themselves.
  const userDirs = sources.dirs.filter((dir) => !sameFolder(dir, bundledDir));
  const problems: RuleError[] = [];
  const warnings: string[] = [];
  const testWarnings: string[] = [];

  const seen = new Map<string, string>();
  const user: RuleEntry[] = [];
  const names = new Map<string, readonly string[]>();
  for (const dir of userDirs) {
    const folder = loadRuleFolder(dir, catalog, seen);
    names.set(dir, folder.names);
    user.push(...folder.entries);
    problems.push(...folder.problems);
    warnings.push(...folder.warnings);
    testWarnings.push(...folder.testWarnings);
  }
  const settings = readDefaultsFiles(userDirs, names);
  problems.push(...settings.problems);

  // The build's record holds the bundled folder's rules only, never another folder's.
  const given = sources.useBuildCache;
  const cache = typeof given === 'object' ? given : given !== false && sameFolder(bundledDir, BUNDLED_RULES_DIR) ? readRuleCache() : undefined;
  const defaults = settings.useDefaults ? loadRuleFolder(bundledDir, catalog, undefined, cache) : undefined;
  if (defaults) {
    problems.push(...defaults.problems);
    warnings.push(...defaults.warnings);
    testWarnings.push(...defaults.testWarnings);
  }
  const defaultById = new Map((defaults?.entries ?? []).map((entry) => [entry.rule.id, entry]));
  const userById = new Map(user.map((entry) => [entry.rule.id, entry]));
  problems.push(...settingsProblems(settings, defaultById, userById));

  const layered: LayeredRule[] = [];
  for (const entry of defaults?.entries ?? []) {
    const id = entry.rule.id;
    const replacement = userById.get(id);
    if (replacement) {
      layered.push({ ...replacement, origin: { kind: 'replaced', defaultFile: entry.file } });
      continue;
    }
    const disabledBy = settings.disable.get(id);
    const override = settings.override.get(id);
    if (disabledBy) layered.push({ ...entry, rule: { ...entry.rule, enabled: false }, origin: { kind: 'disabled', by: disabledBy.file } });
    else if (override) layered.push({ rule: applyOverride(entry.rule, override.settings), file: entry.file, origin: { kind: 'overridden', by: override.file, fields: Object.keys(override.settings) } });
    else layered.push({ ...entry, origin: { kind: 'default' } });
  }
  for (const entry of user) if (!defaultById.has(entry.rule.id)) layered.push({ ...entry, origin: { kind: 'yours' } });
  return { rules: layered.map((entry) => entry.rule), layered, problems, warnings, usesDefaults: settings.useDefaults, testWarnings };
}

function applyOverride(rule: Rule, override: Override): Rule {
  const defined = Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
  return { ...rule, ...defined };
}

/** Ids that name no default, or a default the user already replaced: said once each, with the way out. */
function settingsProblems(settings: DefaultsSettings, defaults: ReadonlyMap<string, RuleEntry>, user: ReadonlyMap<string, RuleEntry>): RuleError[] {
  const problems: RuleError[] = [];
  const check = (id: string, where: Located, verb: string) => {
    if (!settings.useDefaults) {
      problems.push(where.source.error(where.path, `${verb} '${id}' has no effect: use_defaults is false, so no default rule is loaded`));
      return;
    }
    const replaced = user.get(id);
    if (replaced) {
      problems.push(where.source.error(where.path, `'${id}' is replaced by your rule in ${replaced.file}; change that file instead`));
      return;
    }
    if (!defaults.has(id)) {
      problems.push(where.source.error(where.path, `no default rule has the id '${id}'${didYouMean(id, defaults.keys())}`));
    }
  };
  for (const [id, where] of settings.disable) {
    check(id, where, 'disable');
    if (settings.override.has(id)) problems.push(where.source.error(where.path, `'${id}' is both disabled and overridden; keep one`));
  }
  for (const [id, where] of settings.override) check(id, where, 'override');
  return problems;
}

/**
 * The compiled, enabled rules for `run`. Invalid rules, or no enabled rule at
 * all (a bot that watches nothing must not look like one that saw nothing), are
 * a ConfigError (exit 2) before anything is fetched.
 */
export function loadEnabledRuleSet(sources: RuleSources, catalog: Catalog, warnings?: string[]): RuleSet {
  const loaded = loadRuleLayers(sources, catalog);
  // What may keep a running rule from firing (an unknown details path, a subfolder not read) is for the bot's log too.
  warnings?.push(...loaded.warnings.filter((warning) => !loaded.testWarnings.includes(warning)));
  const where = describeSources(sources, loaded.usesDefaults);
  if (loaded.problems.length > 0) {
    throw new ConfigError([`the rules (${where}) are invalid (see \`auth0-log-alerts rules check\`):`, ...loaded.problems.map((problem) => problem.message)]);
  }
  const ruleSet = compileRules(loaded.rules, catalog);
  if (ruleSet.rules.length === 0) {
    throw new ConfigError([`no enabled rules (${where}): the bot would watch nothing. Add rules, or set use_defaults: true in ${DEFAULTS_FILE}`]);
  }
  return ruleSet;
}

/** "the default rules + ./rules" */
export function describeSources(sources: RuleSources, usesDefaults = true): string {
  const bundledDir = sources.bundledDir ?? BUNDLED_RULES_DIR;
  const user = sources.dirs.filter((dir) => !sameFolder(dir, bundledDir));
  const layers = [...(usesDefaults ? ['the default rules'] : []), ...user];
  return layers.length > 0 ? layers.join(' + ') : 'no rule folder';
}
