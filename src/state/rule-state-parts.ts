import { RuleStateConflictError, StateError } from '../errors.js';
import type { RuleStateParts } from './interface/tenants.js';

/**
 * The stored text of a rule state kept in parts (see RuleStateParts): the
 * header object with `field` set to the parts in index order. Both back ends
 * read through here, so a state reads back the same whichever stored it.
 * Returns undefined when the stored parts are not 0…n-1 without a gap (a part
 * lost or written out of order): the caller reports the state as damaged
 * rather than hand the engine a shifted list.
 */
export function assembleRuleState(header: string, field: string, parts: ReadonlyArray<{ part: number; body: string }>): string | undefined {
  if (holdsField(header, field)) return header;
  for (let i = 0; i < parts.length; i++) if (parts[i]!.part !== i) return undefined;
  const head = header.trimEnd();
  if (!head.endsWith('}')) return undefined;
  const open = head.slice(0, -1).trimEnd();
  const comma = open.endsWith('{') ? '' : ',';
  return `${open}${comma}${JSON.stringify(field)}:[${parts.map((row) => row.body).join(',')}]}`;
}

/**
 * Whether the stored header already holds `field`: a release from before parts
 * (a replica not yet upgraded, sharing the database) wrote the whole state
 * over it, knowing neither the parts nor rule_state_parts_field. That state
 * is the newest (it bumped the version): it is read as it is, and the parts
 * left behind are stale (the next complete commit replaces them).
 */
function holdsField(header: string, field: string): boolean {
  // A header is the state without its parts: only one that names the field is parsed.
  if (!header.includes(JSON.stringify(field))) return false;
  try {
    const parsed = JSON.parse(header) as unknown;
    return parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, field);
  } catch {
    return false;
  }
}

/**
 * Checks a parted commit against what is stored, before anything is written:
 * only-the-changes needs the version it was computed on (the compare-and-set
 * makes it the stored one) and a stored state in parts of the same field; a
 * state stored whole (an older release, a tool) is replaced by a complete one.
 */
export function checkPartsBase(tenant: string, parts: RuleStateParts, expectedVersion: number | undefined, storedField: string | null): void {
  if (parts.complete) return;
  if (expectedVersion === undefined) {
    throw new StateError(`rule state of tenant ${tenant}: a commit of changed parts must name the version it changes (ruleStateVersion)`);
  }
  if (storedField !== parts.field) {
    throw new RuleStateConflictError(
      `rule state of tenant ${tenant} is not stored in parts of "${parts.field}" (stored ${storedField === null ? 'whole' : `in parts of "${storedField}"`}); it is read again and committed complete`,
    );
  }
}

/** The parts' rows to write and the indexes to remove, in index order. */
export function partWrites(parts: RuleStateParts): { upserts: Array<{ part: number; body: string }>; removed: number[] } {
  const upserts: Array<{ part: number; body: string }> = [];
  const removed: number[] = [];
  for (const [part, body] of parts.parts) {
    if (!Number.isInteger(part) || part < 0) throw new StateError(`rule state part index ${part} is not a non-negative integer`);
    if (body === null) removed.push(part);
    else upserts.push({ part, body });
  }
  return { upserts, removed };
}
