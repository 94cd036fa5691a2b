import type { GroupState } from './state.js';
import type { LiveGroup } from './working-state.js';

/**
 * One bucket of groups, keyed by rule id + group key. The caller owns the
 * engine state and evaluate() changes it in place, so a bucket is written
 * where it stands; what the serialiser needs to know is which buckets a call
 * wrote (see `takeChangedBuckets`). A bucket holds about one group
 * (STATE_BUCKETS is near MAX_GROUPS), so it is searched linearly rather than
 * a Map: lookups in one or two entries cost the same. It behaves as a Map in
 * insertion order (get, set, delete, iteration), so code and tests read it as
 * one, and stores as a plain JSON object (toJSON).
 *
 * Beside each group it holds the group's LiveGroup once evaluate() has opened
 * it (never stored): found with the group in one look-up, it needs no Map of
 * its own, and it goes with the group when the group is deleted or replaced.
 *
 * The first group sits in the bucket's own fields, the others in one array
 * (key, group, LiveGroup, key, …): each object on the way to a group is a
 * likely cache miss in a state of thousands of groups, and a wide flood opens
 * and evicts several groups per event. Three arrays of one entry each cost
 * six of them per look-up (flood: see the commit). ES private fields:
 * invisible to toJSON and to deep equality, which compares the entries (a
 * state compares equal to its stored copy).
 */
export class StateBucket {
  #count = 0;
  #firstKey: string | undefined = undefined;
  #firstGroup: GroupState | undefined = undefined;
  #firstLive: LiveGroup | undefined = undefined;
  /** Groups after the first: key, group, LiveGroup (or undefined) per group. */
  #rest: Array<string | GroupState | LiveGroup | undefined> | undefined = undefined;

  constructor(entries?: Iterable<readonly [string, GroupState]>) {
    if (entries) for (const [key, group] of entries) this.set(key, group);
  }

  get size(): number {
    return this.#count;
  }

  /** The position of `key`, or -1. */
  find(key: string): number {
    if (this.#count === 0) return -1;
    if (this.#firstKey === key) return 0;
    const rest = this.#rest;
    if (rest) for (let i = 0; i < rest.length; i += SLOT) if (rest[i] === key) return i / SLOT + 1;
    return -1;
  }

  keyAt(index: number): string {
    return index === 0 ? this.#firstKey! : (this.#rest![(index - 1) * SLOT] as string);
  }

  groupAt(index: number): GroupState {
    return index === 0 ? this.#firstGroup! : (this.#rest![(index - 1) * SLOT + 1] as GroupState);
  }

  liveAt(index: number): LiveGroup | undefined {
    return index === 0 ? this.#firstLive : (this.#rest![(index - 1) * SLOT + 2] as LiveGroup | undefined);
  }

  /** Attaches the LiveGroup evaluate() opened for the group at `index`. */
  attach(index: number, live: LiveGroup | undefined): void {
    if (index === 0) this.#firstLive = live;
    else this.#rest![(index - 1) * SLOT + 2] = live;
  }

  /** Adds a group whose key is not in the bucket; returns its position. */
  add(key: string, group: GroupState): number {
    if (this.#count === 0) {
      this.#firstKey = key;
      this.#firstGroup = group;
      this.#firstLive = undefined;
    } else (this.#rest ??= []).push(key, group, undefined);
    return this.#count++;
  }

  /** Removes the group at `index`; the later ones move down one (insertion order is kept). */
  removeAt(index: number): void {
    const rest = this.#rest;
    this.#count -= 1;
    if (index === 0) {
      if (!rest || rest.length === 0) {
        this.#firstKey = undefined;
        this.#firstGroup = undefined;
        this.#firstLive = undefined;
        return;
      }
      this.#firstKey = rest[0] as string;
      this.#firstGroup = rest[1] as GroupState;
      this.#firstLive = rest[2] as LiveGroup | undefined;
    }
    // Shifted by hand: splice allocates an array of the removed entries.
    const from = index === 0 ? 0 : (index - 1) * SLOT;
    for (let i = from + SLOT; i < rest!.length; i++) rest![i - SLOT] = rest![i];
    rest!.pop();
    rest!.pop();
    rest!.pop();
  }

  get(key: string): GroupState | undefined {
    const index = this.find(key);
    return index < 0 ? undefined : this.groupAt(index);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Sets a group; one that replaces another loses the replaced one's LiveGroup (it was about the old object). */
  set(key: string, group: GroupState): this {
    const index = this.find(key);
    if (index < 0) this.add(key, group);
    else if (index === 0) {
      this.#firstGroup = group;
      this.#firstLive = undefined;
    } else {
      this.#rest![(index - 1) * SLOT + 1] = group;
      this.#rest![(index - 1) * SLOT + 2] = undefined;
    }
    return this;
  }

  delete(key: string): boolean {
    const index = this.find(key);
    if (index < 0) return false;
    this.removeAt(index);
    return true;
  }

  *entries(): IterableIterator<[string, GroupState]> {
    // A snapshot: a caller may delete the entry it is visiting.
    const count = this.#count;
    const keys = Array.from({ length: count }, (_, i) => this.keyAt(i));
    const groups = Array.from({ length: count }, (_, i) => this.groupAt(i));
    for (let i = 0; i < count; i++) yield [keys[i]!, groups[i]!];
  }

  [Symbol.iterator](): IterableIterator<[string, GroupState]> {
    return this.entries();
  }

  keys(): IterableIterator<string> {
    return Array.from({ length: this.#count }, (_, i) => this.keyAt(i)).values();
  }

  values(): IterableIterator<GroupState> {
    return Array.from({ length: this.#count }, (_, i) => this.groupAt(i)).values();
  }

  toJSON(): Record<string, GroupState> {
    // fromEntries defines own properties: a key such as `__proto__` stays a key.
    return Object.fromEntries(Array.from({ length: this.#count }, (_, i) => [this.keyAt(i), this.groupAt(i)]));
  }
}

/** Array slots per group after a bucket's first: key, group, LiveGroup. */
const SLOT = 3;
