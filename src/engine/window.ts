import { MAX_ALERT_LOG_IDS } from './alert.js';
import type { LiveGroup } from './working-state.js';
import { MAX_WINDOW_ENTRIES, type WindowEntry } from './state.js';

/**
 * Threshold windows by event time. A group's window holds its events sorted by
 * date (then log id), whatever order they arrived in: Auth0 pages by log_id,
 * not by date, and log streams deliver reordered batches. An event counts in
 * every window of `windowMs` that contains its date, so a late event lands
 * where its date says, and one dated before a window's start neither counts in
 * it nor keeps it alive (expiry and liveness look at the newest date, not at
 * the last arrival).
 *
 * The *current* window ends at the group's newest date: (newest - windowMs,
 * newest]. Entries older than that are kept for REORDER_TOLERANCE_MS more, so
 * that an event arriving up to that late still finds the events it was close
 * to. `live.from` is the index of the current window's first entry.
 */

/**
 * Log ids a window's folded entries hold at most: with the own log ids of its
 * MAX_WINDOW_ENTRIES entries (keepWithin's capacity) and of the event that
 * completes it, an alert lists at most
 * MAX_ALERT_LOG_IDS. A window folds only under a flood of retries (more
 * events than entries within its span); past this bound a folded event is
 * still counted, without its log id (the alert says how many; README).
 */
export const MAX_FOLDED_LOG_IDS = MAX_ALERT_LOG_IDS - MAX_WINDOW_ENTRIES - 1;

/** Events per entry (a folded entry stands for several). */
export function entryEvents(entry: WindowEntry): number {
  return entry[5] ?? 1;
}

function bump(map: Map<string, number> | undefined, key: string | null, delta: number): void {
  if (!map || key === null) return;
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

function sortsAfter(a: WindowEntry, b: WindowEntry): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

/** Index of the first entry at or after `start` dated later than `cutoff` (binary search). */
function firstAfter(window: readonly WindowEntry[], start: number, cutoff: number): number {
  let lo = start;
  let hi = window.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (window[mid]![0] > cutoff) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Appends an entry to the group's window; returns its index. Its own
 * function, named property and all: one appender reading `state[field]` for
 * windows and sequences alike was a keyed access that went megamorphic (a
 * look-up in V8's global cache per new entry).
 */
function appendWindowEntry(live: LiveGroup, entry: WindowEntry): number {
  const state = live.state;
  const list = state.window;
  if (list) return list.push(entry) - 1;
  state.window = [entry];
  return 0;
}

/** Sets up the indexes of a window just copied from stored state. */
export function indexWindow(live: LiveGroup, windowMs: number): void {
  const window = live.state.window;
  // A new group has none: nothing to search, and no empty array made for it.
  if (!window || window.length === 0) {
    live.from = 0;
    return;
  }
  live.from = firstAfter(window, 0, window[window.length - 1]![0] - windowMs);
  // `current` (distinct windows) is built when first needed (currentValues), `values` when a full window folds (keepWithin).
}

/**
 * Entries per value over the current window, counted when first asked in the
 * call and kept up to date from then on (bump does nothing before). Most
 * groups take one event per page and hold fewer entries than their threshold,
 * so they never need it.
 */
function currentValues(live: LiveGroup): Map<string, number> {
  if (live.current) return live.current;
  const current = new Map<string, number>();
  const window = live.state.window ?? [];
  for (let i = live.from; i < window.length; i++) bump(current, window[i]![2], 1);
  live.current = current;
  return current;
}

export function windowSize(live: LiveGroup): number {
  return (live.state.window?.length ?? 0) - live.head;
}

/** Entries of the stored window still held (oldest first). */
export function heldEntries(live: LiveGroup): WindowEntry[] {
  return (live.state.window ?? []).slice(live.head);
}

/** The newest date in the window, or undefined when it holds nothing. */
export function newestDate(live: LiveGroup): number | undefined {
  const window = live.state.window;
  return window && window.length > live.head ? window[window.length - 1]![0] : undefined;
}

function dropAt(live: LiveGroup, index: number): void {
  const window = live.state.window!;
  const entry = window[index]!;
  if (live.values) {
    bump(live.values, entry[2], -1);
    live.folded -= entry[7]?.length ?? 0;
  }
  if (index >= live.from) bump(live.current, entry[2], -1);
  if (index === live.head) {
    live.head += 1;
    if (live.from < live.head) live.from = live.head;
    return;
  }
  window.splice(index, 1);
  if (index < live.from) live.from -= 1;
}

/** Drops entries dated at or before `cutoff` from the old end. */
export function expireBefore(live: LiveGroup, cutoff: number): void {
  const window = live.state.window;
  if (!window) return;
  while (live.head < window.length && window[live.head]![0] <= cutoff) dropAt(live, live.head);
}

/**
 * Inserts an event at its place in date order and moves the current window
 * to the newest date; returns the entry's index.
 */
export function insertEntry(live: LiveGroup, entry: WindowEntry, windowMs: number): number {
  const held = live.state.window;
  // A new group has no window yet (no empty array made for it: appendWindowEntry makes it with the entry).
  let index = held ? held.length : 0;
  if (held) while (index > live.head && sortsAfter(held[index - 1]!, entry)) index -= 1;
  const newest = !held || index === held.length;
  if (newest) index = appendWindowEntry(live, entry);
  else held.splice(index, 0, entry);
  const window = live.state.window!;
  bump(live.values, entry[2], 1);
  if (newest) {
    bump(live.current, entry[2], 1);
    const cutoff = entry[0] - windowMs;
    while (live.from < index && window[live.from]![0] <= cutoff) {
      bump(live.current, window[live.from]![2], -1);
      live.from += 1;
    }
  } else if (entry[0] > window[window.length - 1]![0] - windowMs) {
    bump(live.current, entry[2], 1);
  } else {
    live.from += 1; // dated before the current window: it sits before `from`
  }
  return index;
}

/**
 * The folded log ids of an entry that `older` (an earlier entry of the same
 * value) folds into: the older entry's folded ids and its own, then the
 * newer one's folded ids. Without `room` the older entry's own log id is left
 * out (MAX_FOLDED_LOG_IDS reached). Lists are never written once listed
 * (cloneState shares entries): a new one, or one of theirs as it is.
 */
function foldedIds(older: WindowEntry, newer: WindowEntry, room: boolean): string[] | undefined {
  const before = older[7];
  const after = newer[7];
  if (!room) return !before ? after : !after ? before : before.concat(after);
  const ids = before ? before.slice() : [];
  ids.push(older[1]);
  if (after) for (const id of after) ids.push(id);
  return ids;
}

/**
 * Keeps a window within `capacity` entries. A distinct window folds the
 * oldest event of a value that occurs again into that value's next entry
 * (counted there, its log id kept in the entry's folded ids while the window
 * holds fewer than MAX_FOLDED_LOG_IDS): hammering a few users then costs no
 * capacity, and neither the other users nor any event count is lost.
 * Otherwise (all values differ, or a plain count window) the oldest entry
 * goes; it had not reached the threshold.
 */
export function keepWithin(live: LiveGroup, capacity: number, distinct: boolean): void {
  if (!live.state.window || live.state.window.length - live.head <= capacity) return;
  const window = live.state.window;
  if (distinct && !live.values) {
    live.values = new Map();
    live.folded = 0;
    for (let i = live.head; i < window.length; i++) {
      bump(live.values, window[i]![2], 1);
      live.folded += window[i]![7]?.length ?? 0;
    }
  }
  while (window.length - live.head > capacity) {
    if (live.values) {
      let folded = false;
      for (let i = live.head; i < window.length && !folded; i++) {
        const value = window[i]![2];
        if ((live.values.get(value!) ?? 0) < 2) continue;
        for (let j = i + 1; j < window.length; j++) {
          if (window[j]![2] !== value) continue;
          const older = window[i]!;
          const newer = window[j]!;
          const ids = foldedIds(older, newer, live.folded < MAX_FOLDED_LOG_IDS);
          const events = entryEvents(newer) + entryEvents(older);
          // A new entry, not a write into the old one: entries are never written once listed (cloneState shares them).
          // One literal of its final length (a spread copy then grown by one slot allocated twice).
          const merged: WindowEntry = ids
            ? [newer[0], newer[1], newer[2], newer[3], newer[4], events, newer[6], ids]
            : [newer[0], newer[1], newer[2], newer[3], newer[4], events, newer[6]];
          // dropAt takes the older entry's folded ids off; the merged entry holds them now.
          live.folded += (ids?.length ?? 0) - (newer[7]?.length ?? 0);
          window[j] = merged;
          dropAt(live, i);
          folded = true;
          break;
        }
      }
      if (folded) continue;
    }
    dropAt(live, live.head);
  }
}

/** Distinct values among entries, or events when `distinct` is false. */
function measure(counts: Map<string, number> | undefined, events: number): number {
  return counts ? counts.size : events;
}

/**
 * Whether the entry at `index` completes a window: returns the index of the
 * first entry of the earliest window of `windowMs` that contains it and holds
 * `need` events (or distinct values), else -1. The newest entry is answered
 * from the current window's counts; a late entry is checked against every
 * window ending at or after it (bounded by the window's capacity).
 */
export function denseWindowStart(live: LiveGroup, index: number, windowMs: number, need: number, distinct: boolean): number {
  const window = live.state.window!;
  if (index === window.length - 1) {
    // Only distinct windows fold entries, so a count window's events are its entries.
    const held = window.length - live.from;
    // Fewer entries than needed reach it neither in events nor in distinct values (one value per entry).
    if (held < need) return -1;
    const reached = distinct ? currentValues(live).size : held;
    return reached >= need ? live.from : -1;
  }
  const at = window[index]![0];
  let lo = index;
  while (lo > live.head && window[lo - 1]![0] > at - windowMs) lo -= 1;
  const counts = distinct ? new Map<string, number>() : undefined;
  let events = 0;
  for (let i = lo; i <= index; i++) {
    events += entryEvents(window[i]!);
    bump(counts, window[i]![2], 1);
  }
  for (let end = index; end < window.length && window[end]![0] < at + windowMs; end++) {
    if (end > index) {
      events += entryEvents(window[end]!);
      bump(counts, window[end]![2], 1);
      while (window[lo]![0] <= window[end]![0] - windowMs) {
        events -= entryEvents(window[lo]!);
        bump(counts, window[lo]![2], -1);
        lo += 1;
      }
    }
    if (measure(counts, events) >= need) return lo;
  }
  return -1;
}

/** Removes every entry (after the window fired: its events are reported). */
export function clearWindow(live: LiveGroup): void {
  live.state.window = [];
  live.head = 0;
  live.from = 0;
  live.values?.clear();
  live.folded = 0;
  live.current?.clear();
}
