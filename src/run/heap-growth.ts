import { setFlagsFromString } from 'node:v8';

/**
 * Old-generation growth between full collections, in percent (V8's
 * --heap-growing-percent). The bot's live heap during a catch-up is ~30 MB,
 * but what a batch of pages leaves behind survives long enough to be promoted
 * (the held events, the bucket texts of the last commit), and V8's default
 * lets the old generation grow to about four times the live size before it
 * collects: a 200,000-event catch-up peaked at ~250 MB RSS. At 1.5× it peaks
 * at ~175 MB for the same CPU time within the noise of a loaded machine
 * (a full collection of a 30 MB heap takes ~10–30 ms). It bounds no size:
 * a larger live heap still gets room in proportion.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Applies HEAP_GROWING_PERCENT at process start, unless the operator set the
 * flag themselves (node --heap-growing-percent=… dist/cli.js; Node refuses it in NODE_OPTIONS).
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  const chosen = execArgv.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag));
  if (chosen) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
