/**
 * The rule engine: YAML rules in, a compiled RuleSet, and evaluate()
 * (events + the caller's state → alerts, the state changed in place). Everything else imports from here.
 */
export { AlertSchema, MAX_LOG_IDS, type Alert, type AlertReason } from './alert.js';
export { RuleSchema, ruleCodes, RULE_KINDS, type Rule, type RuleTest, type Condition } from './rule-schema.js';
export { loadRules, loadRuleFile, loadRuleFolder, formatKeyPath, DEFAULTS_FILE, type LoadedRules, type RuleEntry } from './load.js';
export { loadRuleLayers, loadEnabledRuleSet, type RuleSources, type LayeredRules, type LayeredRule, type RuleOrigin } from './layers.js';
export { BUNDLED_RULES_DIR, userRuleDirs } from './rule-dirs.js';
export { checkFieldPath, LOG_EVENT_FIELDS, type FieldPathProblem } from './log-fields.js';
export { FIELD_PATH_KEYS } from './rule-fields.js';
export { compileRules, rulesForCode, type RuleSet, type CompiledRule, type RuleKind } from './compile.js';
export { evaluate, REORDER_TOLERANCE_MS, type Evaluation, type SkippedEvent } from './evaluate.js';
export { closeIncidents } from './close.js';
export {
  profileKeys,
  usesProfiles,
  applyProfiles,
  keepProfiles,
  MEMORY_PROFILE_LIMIT,
  PROFILE_RETENTION_MS,
  MAX_PROFILE_VALUES,
  MAX_TRAVEL_POINTS,
  MAX_PROFILE_AGENT_LENGTH,
  type Profile,
  type ProfileMap,
} from './profiles.js';
export { MAX_GROUPS } from './evict.js';
export {
  initialState,
  restoreState,
  cloneState,
  takeChangedBuckets,
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
