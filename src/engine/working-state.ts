import type { CompiledRule } from './compile.js';
import { bucketOf, type EngineState, type GroupState, type WindowEntry } from './state.js';

/** A group being worked on in this call: a private copy of its stored state plus indexes. */
export interface LiveGroup {
  /** The private copy; it is also what the copied bucket holds. */
  state: GroupState;
  /** Window entries before this index are expired (dropped when written back). */
  head: number;
  /** Distinct windows: the values among live window entries (each value appears once). */
  distinct?: Map<string, number>;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

export function liveWindow(live: LiveGroup): WindowEntry[] {
  return (live.state.window ?? []).slice(live.head);
}

export function windowSize(live: LiveGroup): number {
  return (live.state.window?.length ?? 0) - live.head;
}

/** Drops entries at or before `cutoff` from the window's old end. */
export function expireBefore(live: LiveGroup, cutoff: number): void {
  const window = live.state.window;
  if (!window) return;
  while (live.head < window.length && window[live.head]![0] <= cutoff) dropOldest(live);
}

export function dropOldest(live: LiveGroup): void {
  const entry = live.state.window?.[live.head];
  if (!entry) return;
  if (live.distinct && entry[2] !== null) bump(live.distinct, entry[2], -1);
  live.head += 1;
}

/**
 * A distinct window keeps only the latest entry per value: one IP hammering a
 * few users must not fill the window's capacity with repeats and push out the
 * other users (which would hide credential stuffing). A value counts while its
 * latest occurrence is inside the window. An event without the value cannot
 * count towards a distinct threshold, so it takes no place either.
 */
export function addEntry(live: LiveGroup, entry: WindowEntry): void {
  const window = (live.state.window ??= []);
  const value = entry[2];
  if (live.distinct) {
    if (value === null) return;
    if (live.distinct.has(value)) {
      for (let i = window.length - 1; i >= live.head; i--) {
        if (window[i]![2] === value) {
          window.splice(i, 1);
          break;
        }
      }
    } else {
      live.distinct.set(value, 1);
    }
  }
  window.push(entry);
}

export function clearWindow(live: LiveGroup): void {
  live.state.window = [];
  live.head = 0;
  live.distinct?.clear();
}

/**
 * The state as one call sees it: the input state's buckets, copied on first
 * write, so the input is never mutated and untouched buckets are shared with
 * the output. A group is copied (opened) on first touch in the call.
 */
export class WorkingState {
  clock: number;
  nextPruneAt: number;
  size: number;
  private readonly buckets: Array<Record<string, GroupState>>;
  private readonly copied = new Set<number>();
  private readonly live = new Map<string, LiveGroup>();

  constructor(base: EngineState) {
    this.clock = base.clock;
    this.nextPruneAt = base.nextPruneAt;
    this.size = base.size;
    this.buckets = base.buckets.slice();
  }

  private writable(index: number): Record<string, GroupState> {
    if (!this.copied.has(index)) {
      this.buckets[index] = { ...this.buckets[index] };
      this.copied.add(index);
    }
    return this.buckets[index]!;
  }

  /** The group's live copy, opened (or created with `makeGroup`) on first touch. */
  open(key: string, rule: CompiledRule, makeGroup: () => Record<string, string | null>): LiveGroup {
    const existing = this.live.get(key);
    if (existing) return existing;
    const index = bucketOf(key);
    const stored = this.buckets[index]![key];
    // Explicit copies: object spread measured slow on this hot path.
    const copy: GroupState = stored ? { rule: stored.rule, group: stored.group } : { rule: rule.id, group: makeGroup() };
    if (stored?.window) copy.window = stored.window.slice();
    if (stored?.incident) {
      const { id, lastMatch, count, repeats } = stored.incident;
      copy.incident = { id, lastMatch, count, repeats };
    }
    if (stored?.carry) copy.carry = stored.carry; // replaced, never mutated
    const live: LiveGroup = { state: copy, head: 0 };
    if (rule.threshold?.distinct) {
      live.distinct = new Map();
      for (const entry of copy.window ?? []) if (entry[2] !== null) bump(live.distinct, entry[2], 1);
    }
    if (!stored) this.size += 1;
    this.writable(index)[key] = copy;
    this.live.set(key, live);
    return live;
  }

  /** The live copy if the group was touched in this call. */
  touched(key: string): LiveGroup | undefined {
    return this.live.get(key);
  }

  delete(key: string): void {
    const index = bucketOf(key);
    if (!(key in this.buckets[index]!)) return;
    delete this.writable(index)[key];
    this.live.delete(key);
    this.size -= 1;
  }

  /** Every group, live copy or stored; safe to delete or open groups from `visit`. */
  forEachGroup(visit: (key: string, stored: GroupState, live: LiveGroup | undefined) => void): void {
    for (const bucket of this.buckets) {
      for (const key of Object.keys(bucket)) visit(key, bucket[key]!, this.live.get(key));
    }
  }

  finish(): EngineState {
    for (const live of this.live.values()) {
      const window = live.state.window ? liveWindow(live) : undefined;
      if (window && window.length > 0) live.state.window = window;
      else delete live.state.window;
    }
    return { version: 2, clock: this.clock, nextPruneAt: this.nextPruneAt, size: this.size, buckets: this.buckets };
  }
}
