import type { LogEvent } from '../../auth0/log-event.js';
import type { CompiledRule } from '../compile.js';
import { valueText } from '../fields.js';
import { MAX_PROFILE_VALUES, PROFILE_RETENTION_MS, profileKey, profileKeyValues, type ValuesProfile } from '../profiles.js';
import type { EvalContext } from './context.js';
import { reportDetection } from './detection.js';

const KNOWN_LISTED = 10;

/**
 * First-seen values: alerts when `field` takes a value never seen for the key
 * (e.g. a country for a user), once the key has been known for `learn`. A
 * key's first event only starts its memory (its values are its baseline); a
 * value unseen for PROFILE_RETENTION_MS is forgotten, and at most
 * MAX_PROFILE_VALUES are kept per key (least recently seen dropped).
 */
export function evaluateNewValue(ctx: EvalContext, rule: CompiledRule, event: LogEvent, t: number): void {
  if (!rule.matches(event)) return;
  const { field, value: read, learnMs } = rule.newValue!;
  const value = valueText(read(event), 120);
  if (value === null) return;
  const keyValues = profileKeyValues(rule, event);
  if (!keyValues) return;
  const key = profileKey(rule.id, keyValues);
  const stored = ctx.profiles.get(key, t);
  const profile = stored?.kind === 'values' ? stored : undefined;
  if (!profile) {
    ctx.profiles.set(key, { kind: 'values', seen: t, since: t, values: { [value]: t } });
    return;
  }

  const values: Record<string, number> = {};
  for (const [known, lastSeen] of Object.entries(profile.values)) if (lastSeen > t - PROFILE_RETENTION_MS) values[known] = lastSeen;
  const since = Math.min(profile.since, t);
  if (!(value in values) && t >= since + learnMs) {
    const known = Object.entries(values).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([text]) => text);
    reportDetection(ctx, rule, keyValues, event, t, {
      reason: 'new_value',
      newValue: { field, value, known: known.slice(0, KNOWN_LISTED), knownCount: known.length, since: new Date(since).toISOString() },
    });
  }
  values[value] = Math.max(values[value] ?? 0, t);
  const next: ValuesProfile = { kind: 'values', seen: Math.max(profile.seen, t), since, values };
  const entries = Object.entries(values);
  if (entries.length > MAX_PROFILE_VALUES) {
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    next.values = Object.fromEntries(entries.slice(0, MAX_PROFILE_VALUES));
  }
  ctx.profiles.set(key, next);
}
