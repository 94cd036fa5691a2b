import type { Alert } from '../alert.js';
import type { RepeatBatches } from '../alert-build.js';
import type { ProfileWork } from '../profiles.js';
import type { WorkingState } from '../working-state.js';

/** What a rule kind's evaluation reads and writes during one evaluate() call. */
export interface EvalContext {
  readonly work: WorkingState;
  readonly alerts: Alert[];
  readonly repeats: RepeatBatches;
  readonly profiles: ProfileWork;
}

/**
 * How late an event may arrive (its date before dates already evaluated) and
 * still land where its date says: windows, sequences and travel points are
 * kept this much longer than they need for in-order events. Auth0 pages by
 * log_id, not by date (dates disagree by seconds), and log streams deliver
 * overlapping, reordered batches. An event later than this is still evaluated,
 * against what is left.
 */
export const REORDER_TOLERANCE_MS = 10 * 60_000;
