import { closeIncidents, evaluate, initialState, profileKeys, restoreState, takeChangedBuckets, type EngineState, type RuleSet } from '../engine/index.js';
import type { RuleStateParts } from '../state/store.js';
import type { PageEvaluator } from './evaluator.js';

/** The real rule engine behind the poller's narrow evaluator interface. */
export function engineEvaluator(ruleSet: RuleSet): PageEvaluator {
  const texts: BucketTexts = new WeakMap();
  return {
    initialState,
    restore: restoreState,
    profileKeys: (events) => profileKeys(ruleSet, events),
    evaluate: (state, events, profiles) => evaluate(ruleSet, state as EngineState, events, profiles ?? new Map()),
    serialize: (state) => serializeEngineState(state as EngineState, texts),
    serializeParts: (state, complete) => engineStateParts(state as EngineState, complete, texts),
    closeIncidents: (state, incidents) => closeIncidents(state as EngineState, incidents).state,
  };
}

/** The JSON text of each bucket of a state object, as last serialised (see serializeEngineParts). */
export type BucketTexts = WeakMap<EngineState, string[]>;

/** A state serialised by parts: the header, every bucket's text, and which buckets were stringified anew. */
export interface EngineStateParts {
  /** The state without its buckets, as JSON (`{"version":2,"clock":…,"nextPruneAt":…,"size":…}`). */
  header: string;
  /** Each bucket's JSON text, by bucket index (STATE_BUCKETS of them). */
  buckets: readonly string[];
  /**
   * Indexes of the buckets whose text changed since this state was last
   * serialised through the same `texts` (all of them the first time a state
   * object is seen, e.g. just restored): what a store keeping buckets as
   * separate parts has to write.
   */
  changed: readonly number[];
}

/**
 * The state by parts, stringifying only the buckets written since this state
 * object was last serialised: evaluate() changes the state in place and notes
 * each bucket it writes (takeChangedBuckets), so a page of 100 events
 * stringifies a few dozen of the 4,096 buckets, not the whole state (~190 kB
 * after a 200k-event backlog, a fifth of the catch-up's CPU).
 */
export function serializeEngineParts(state: EngineState, texts: BucketTexts): EngineStateParts {
  const written = takeChangedBuckets(state);
  let known = texts.get(state);
  let changed: readonly number[];
  if (!known || known.length !== state.buckets.length) {
    known = state.buckets.map((bucket) => JSON.stringify(bucket));
    texts.set(state, known);
    changed = known.map((_, index) => index);
  } else {
    for (const index of written) known[index] = JSON.stringify(state.buckets[index]);
    changed = written;
  }
  const header = JSON.stringify({ version: state.version, clock: state.clock, nextPruneAt: state.nextPruneAt, size: state.size });
  return { header, buckets: known, changed };
}

/** JSON.stringify(state), reusing the text of the buckets no call wrote since the last time (see serializeEngineParts). */
export function serializeEngineState(state: EngineState, texts: BucketTexts): string {
  const { header, buckets } = serializeEngineParts(state, texts);
  // Buckets last, as the engine builds its state: the text equals JSON.stringify(state).
  return `${header.slice(0, -1)},"buckets":[${buckets.join(',')}]}`;
}

/**
 * The state as the store keeps it, one part per bucket (RuleStateParts): all
 * of them when `complete`, else those serializeEngineParts found written since
 * this state object was last serialised — the commit before, on the version
 * this step was evaluated on (the intake drops a state whose commit failed).
 * Header and parts joined give exactly serializeEngineState's text.
 */
export function engineStateParts(state: EngineState, complete: boolean, texts: BucketTexts): RuleStateParts {
  const { header, buckets, changed } = serializeEngineParts(state, texts);
  const parts = new Map<number, string | null>();
  if (complete) buckets.forEach((text, index) => parts.set(index, text));
  else for (const index of changed) parts.set(index, buckets[index]!);
  return { header, field: 'buckets', parts, complete };
}
