import type { LogEvent } from '../auth0/log-event.js';
import type { Alert } from '../engine/alert.js';
import type { Profile } from '../engine/profiles.js';
import type { RuleStateParts } from '../state/store.js';

export interface PageEvaluation {
  alerts: Alert[];
  state: unknown;
  /** Profiles the page changed, to store with it (absent: none). */
  profiles?: ReadonlyMap<string, Profile>;
  /** Events whose evaluation threw; the poller reports them and goes on (the checkpoint moves past them). */
  skipped?: ReadonlyArray<{ logId: string; problem: string }>;
}

/**
 * The poller's view of the rule engine: a step from (state, events, profiles)
 * to (alerts, state, changed profiles). The state is opaque here and stored as
 * JSON; `evaluate` and `closeIncidents` may change the state they are given in
 * place (and return it), so a caller that discards a step's result (its commit
 * failed) must go on from the state as stored (`restore`), never from the
 * object it evaluated; profiles are the per-key memory some rules keep, stored as
 * keyed rows: the poller loads the keys a page needs and stores the changed
 * ones with the page.
 */
export interface PageEvaluator {
  initialState(): unknown;
  /** Accepts stored state (possibly from an older version) and returns usable state. */
  restore(stored: unknown): unknown;
  /** The profile keys evaluating these events reads (absent or empty: no rule keeps profiles). */
  profileKeys?(events: readonly LogEvent[]): string[];
  evaluate(state: unknown, events: readonly LogEvent[], profiles?: ReadonlyMap<string, Profile>): PageEvaluation;
  /** The state as stored (JSON text), when cheaper than JSON.stringify; absent: the store stringifies. */
  serialize?(state: unknown): string;
  /**
   * The state as stored in parts: all of them when `complete`, else those
   * changed since this state object was last serialised (at the commit of the
   * version the step was evaluated on). Preferred over `serialize`: a commit
   * then writes what changed.
   */
  serializeParts?(state: unknown, complete: boolean): RuleStateParts;
  /** Closes incidents people resolved in Slack: the next match opens a new one. */
  closeIncidents?(state: unknown, incidents: readonly string[]): unknown;
}
