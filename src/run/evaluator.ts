import type { LogEvent } from '../auth0/log-event.js';
import type { Alert } from '../engine/alert.js';

/**
 * The poller's view of the rule engine: a pure step from (state, events) to
 * (alerts, state). The state is opaque here and stored as JSON.
 */
export interface PageEvaluator {
  initialState(): unknown;
  /** Accepts stored state (possibly from an older version) and returns usable state. */
  restore(stored: unknown): unknown;
  /** `skipped`: events whose evaluation threw; the poller reports them and goes on (the checkpoint moves past them). */
  evaluate(state: unknown, events: readonly LogEvent[]): { alerts: Alert[]; state: unknown; skipped?: ReadonlyArray<{ logId: string; problem: string }> };
  /** The state as stored (JSON text), when cheaper than JSON.stringify; absent: the store stringifies. */
  serialize?(state: unknown): string;
  /** Closes incidents people resolved in Slack: the next match opens a new one. */
  closeIncidents?(state: unknown, incidents: readonly string[]): unknown;
}
