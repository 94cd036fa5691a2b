/**
 * The rule engine: YAML rules in, a compiled RuleSet, and a pure evaluate()
 * (events + state → alerts + state). Everything else imports from here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { AlertSchema, MAX_LOG_IDS, type Alert, type AlertReason } from './alert.js';
export { RuleSchema, ruleCodes, RULE_KINDS, type Rule, type RuleTest, type Condition } from './rule-schema.js';
export { loadRules, loadRuleFile, formatKeyPath, type LoadedRules } from './load.js';
export { compileRules, rulesForCode, type RuleSet, type CompiledRule, type RuleKind } from './compile.js';
export { evaluate, REORDER_TOLERANCE_MS, type Evaluation } from './evaluate.js';
export {
  profileKeys,
  usesProfiles,
  applyProfiles,
  PROFILE_RETENTION_MS,
  MAX_PROFILE_VALUES,
  MAX_TRAVEL_POINTS,
  type Profile,
  type ProfileMap,
} from './profiles.js';
export { MAX_GROUPS } from './evict.js';
export {
  initialState,
  restoreState,
  stateGroups,
  MAX_WINDOW_ENTRIES,
  MAX_SEQUENCE_ENTRIES,
  type EngineState,
  type GroupState,
  type WindowEntry,
  type StepEntry,
} from './state.js';
export { runRuleTests, expandTestEvents, testLogId, TEST_START, type RuleTestResult } from './rule-tests.js';
export { describeRule, type RuleSummary } from './describe.js';
export { parseDuration, DURATION_PATTERN } from './duration.js';

/** The default rules shipped with the package (`rules/` beside `src/` and `dist/`). */
export const BUNDLED_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

/**
 * Where rules live unless `--rules` says otherwise: RULES_DIR, else `./rules`
 * when the working folder has one, else the bundled default rules — so the
 * installed CLI (or a container started in another folder) works out of the box.
 */
export function defaultRulesDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  if (env.RULES_DIR && env.RULES_DIR.trim() !== '') return env.RULES_DIR;
  return existsSync(join(cwd, 'rules')) ? './rules' : BUNDLED_RULES_DIR;
}
