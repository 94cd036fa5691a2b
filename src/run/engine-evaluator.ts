import { evaluate, initialState, restoreState, type EngineState, type RuleSet } from '../engine/index.js';
import type { PageEvaluator } from './evaluator.js';

/** The real rule engine behind the poller's narrow evaluator interface. */
export function engineEvaluator(ruleSet: RuleSet): PageEvaluator {
  return {
    initialState,
    restore: restoreState,
    evaluate: (state, events) => evaluate(ruleSet, state as EngineState, events),
  };
}
