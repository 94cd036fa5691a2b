/**
 * "Did you mean …?" for names typed by people: rule keys, operators, field
 * paths, codes. Only names a typo away are offered — a far-fetched hint misleads
 * more than none.
 */

/** Edit distance (insertions, deletions, substitutions; a swap of neighbours counts one). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows[i] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[i]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** True when `candidate` is plausibly what was meant by `typed`. */
export function looksLike(typed: string, candidate: string): boolean {
  const a = typed.toLowerCase();
  const b = candidate.toLowerCase();
  if (a.replace(/[^a-z0-9]/g, '') === b.replace(/[^a-z0-9]/g, '')) return true;
  // One edit in a short name, about one in three in a longer one.
  return editDistance(a, b) <= Math.max(1, Math.floor(Math.max(a.length, b.length) / 3));
}

/**
 * The closest names, best first (at most `limit`): names the typed text starts
 * (`not` → `not_equals`, `not_in`), then names within a few edits.
 */
export function closestNames(typed: string, candidates: Iterable<string>, limit = 2): string[] {
  const lower = typed.toLowerCase();
  const scored: Array<{ name: string; score: number; order: number }> = [];
  let order = 0;
  for (const name of new Set(candidates)) {
    order += 1;
    if (name === typed) continue;
    const candidate = name.toLowerCase();
    if (lower.length >= 2 && candidate.startsWith(`${lower}_`)) scored.push({ name, score: 0.5, order });
    else if (looksLike(typed, name)) scored.push({ name, score: editDistance(lower, candidate), order });
  }
  scored.sort((a, b) => a.score - b.score || a.order - b.order);
  return scored.slice(0, limit).map((entry) => entry.name);
}

/** ` — did you mean 'a' or 'b'?`, or '' when nothing is close. */
export function didYouMean(typed: string, candidates: Iterable<string>, limit = 2): string {
  return meanHint(closestNames(typed, candidates, limit));
}

/** ` — did you mean 'a' or 'b'?` for names already chosen; '' for none. */
export function meanHint(names: readonly string[]): string {
  if (names.length === 0) return '';
  const quoted = names.map((name) => `'${name}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return ` — did you mean ${list}?`;
}
