import type { LogEvent } from '../auth0/log-event.js';
import { rulesForCode, type CompiledRule, type RuleSet } from './compile.js';
import { valueText } from './fields.js';
import { groupKeyOf } from './group-key.js';

/**
 * Per-key memory of the profile kinds (impossible travel: a user's last
 * logins; first-seen values: the values seen for a key). A tenant may have
 * millions of users, so this memory does not live in the engine state the
 * poller rewrites on every page: each profile is one keyed row in the state
 * store. The poller asks `profileKeys()` which rows a page needs, passes them
 * to evaluate() (read-only), and writes back the changed profiles evaluate()
 * returns in the same transaction as the page's alerts and checkpoint.
 *
 * Bounds: a profile unseen for PROFILE_RETENTION_MS is forgotten (the store
 * deletes it; evaluate() ignores one it is still given); a values profile
 * keeps at most MAX_PROFILE_VALUES values (least recently seen dropped) and
 * forgets a value unseen for PROFILE_RETENTION_MS; a travel profile keeps at
 * most MAX_TRAVEL_POINTS logins, each with its user agent cut to
 * MAX_PROFILE_AGENT_LENGTH characters.
 */
export const PROFILE_RETENTION_MS = 90 * 24 * 3_600_000;
export const MAX_PROFILE_VALUES = 50;
export const MAX_TRAVEL_POINTS = 4;
/**
 * Longest user agent a travel point keeps: browsers' are 100–160 characters,
 * and a row per user must stay small (longer ones end in "…").
 */
export const MAX_PROFILE_AGENT_LENGTH = 200;

/**
 * A login with a location: [time ms, latitude, longitude, ip, place, user agent]
 * (no log id: a row per user must stay small). The user agent is absent
 * (not null) in profiles stored before it was kept: "not recorded", not "none".
 */
export type TravelPointEntry = [number, number, number, string | null, string | null, (string | null)?];

export interface TravelProfile {
  kind: 'travel';
  /** Newest event time seen (ms): what retention counts from. */
  seen: number;
  /** Logins in date order: the newest, and those within the reorder tolerance before it. */
  points: TravelPointEntry[];
}

export interface ValuesProfile {
  kind: 'values';
  seen: number;
  /** When the key was first seen (ms): learning runs from here. */
  since: number;
  /** Value → when it was last seen (ms). */
  values: Record<string, number>;
}

export type Profile = TravelProfile | ValuesProfile;

/** The profiles a call was given, read-only: profile key → profile. */
export type ProfileMap = ReadonlyMap<string, Profile>;

/** A profile's key: the rule id and the key values (like a group key, so it is stable and short). */
export function profileKey(ruleId: string, values: ReadonlyArray<string | null>): string {
  return groupKeyOf(ruleId, values);
}

/** The key values of an event for a profile rule, or undefined when one is absent (the event keys nothing). */
export function profileKeyValues(rule: CompiledRule, event: object): Array<string | null> | undefined {
  const values = rule.groupGetters.map((get) => valueText(get(event)));
  return values.some((value) => value === null) ? undefined : values;
}

const isProfileKind = (rule: CompiledRule): boolean => rule.kind === 'impossible_travel' || rule.kind === 'new_value';

/** Whether any rule of the set keeps profiles (the poller can skip the look-ups otherwise). */
export function usesProfiles(ruleSet: RuleSet): boolean {
  return ruleSet.rules.some(isProfileKind);
}

/** The profile keys evaluating these events will read (deduplicated, in first-use order). */
export function profileKeys(ruleSet: RuleSet, events: readonly LogEvent[]): string[] {
  const keys = new Set<string>();
  if (!usesProfiles(ruleSet)) return [];
  for (const event of events) {
    for (const rule of rulesForCode(ruleSet, event.type)) {
      if (!isProfileKind(rule) || !rule.matches(event)) continue;
      const values = profileKeyValues(rule, event);
      if (values) keys.add(profileKey(rule.id, values));
    }
  }
  return [...keys];
}

/**
 * The profiles during one call: reads see this call's changes first, then the
 * given map; a profile older than retention reads as absent.
 */
export class ProfileWork {
  readonly changed = new Map<string, Profile>();

  constructor(private readonly given: ProfileMap) {}

  get(key: string, now: number): Profile | undefined {
    const profile = this.changed.get(key) ?? this.given.get(key);
    return profile && profile.seen > now - PROFILE_RETENTION_MS ? profile : undefined;
  }

  set(key: string, profile: Profile): void {
    this.changed.set(key, profile);
  }
}

/** Applies a call's changed profiles to a map kept in memory (tests, a dry run). */
export function applyProfiles(target: Map<string, Profile>, changed: ReadonlyMap<string, Profile>): void {
  for (const [key, profile] of changed) target.set(key, profile);
}

/**
 * Keys an in-memory profile map keeps (replay carries profiles from batch to
 * batch without a database): about 30 MB; beyond it the least recently
 * changed keys are forgotten (their next value is a baseline again).
 */
export const MEMORY_PROFILE_LIMIT = 100_000;

/** Applies changed profiles to an in-memory map, keeping the MEMORY_PROFILE_LIMIT most recently changed. */
export function keepProfiles(target: Map<string, Profile>, changed: ReadonlyMap<string, Profile>, limit = MEMORY_PROFILE_LIMIT): void {
  for (const [key, profile] of changed) {
    target.delete(key); // re-inserted last: a Map iterates in insertion order, oldest first
    target.set(key, profile);
  }
  for (const key of target.keys()) {
    if (target.size <= limit) break;
    target.delete(key);
  }
}
