/**
 * The rule engine: YAML rules in, a compiled RuleSet, and a pure evaluate()
 * (events + state → alerts + state). Everything else imports from here.
 */
export { AlertSchema, MAX_LOG_IDS, type Alert, type AlertReason } from './alert.js';
export { RuleSchema, type Rule, type RuleTest, type Condition } from './rule-schema.js';
export { loadRules, loadRuleFile, formatKeyPath, type LoadedRules } from './load.js';
export { compileRules, rulesForCode, type RuleSet, type CompiledRule } from './compile.js';
export { evaluate } from './evaluate.js';
export { MAX_GROUPS } from './evict.js';
export { initialState, restoreState, stateGroups, MAX_WINDOW_ENTRIES, type EngineState, type GroupState, type WindowEntry } from './state.js';
export { runRuleTests, expandTestEvents, testLogId, TEST_START, type RuleTestResult } from './rule-tests.js';
export { describeRule, type RuleSummary } from './describe.js';
export { parseDuration, DURATION_PATTERN } from './duration.js';

/** Where rules live unless `--rules` says otherwise. */
export function defaultRulesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RULES_DIR && env.RULES_DIR.trim() !== '' ? env.RULES_DIR : './rules';
}
