/**
 * Ranking by what people call a code. Fuse's fuzzy scores alone rank a code
 * whose keyword *is* the query ("spam" → gd_send_sms) next to codes that only
 * resemble it letter by letter ("spam" ~ "sync"), and find nothing for words a
 * typo tolerance cannot bridge ("2fa" for MFA). So: everyday synonyms are
 * rewritten first, then codes whose keywords or name hold the query rank in
 * tiers ahead of the fuzzy matches.
 */

/** Words people type for a term the catalog uses, whole words only (the query is normalised first). */
const SYNONYMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(2fa|tfa|2sv|two factor( authentication)?|2 factor|second factor|multi factor( authentication)?|multifactor|two step( verification)?|2 step( verification)?)\b/g, 'mfa'],
  [/\b(signin|logon|log on)\b/g, 'sign in'],
];

/** Lower case, separators as spaces, runs of spaces as one: "Brute-force  Protection" → "brute force protection". */
export function normalizePhrase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[-_/.,;:!?()'"`]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The query with everyday synonyms replaced by the catalog's words ("2fa failed" → "mfa failed"). */
export function expandSynonyms(query: string): string {
  let text = normalizePhrase(query);
  for (const [pattern, replacement] of SYNONYMS) text = text.replace(pattern, replacement);
  return text;
}

/** What a code is called, normalised once per catalog. */
export interface CalledBy {
  /** Keywords and the name, each normalised. */
  readonly phrases: readonly string[];
  /** Every word of those phrases. */
  readonly words: ReadonlySet<string>;
}

export function calledBy(name: string, keywords: readonly string[]): CalledBy {
  const phrases = [...keywords, name].map(normalizePhrase).filter((phrase) => phrase.length > 0);
  return { phrases, words: new Set(phrases.flatMap((phrase) => phrase.split(' '))) };
}

/**
 * How directly a code is called by the (normalised, expanded) query:
 * 0 a keyword or the name is the query; 1 one holds it as whole words
 * ("spam" in "signup spam"); 2 every query word is one of their words
 * ("password stolen" → "stolen password"); undefined none of these.
 */
export function keywordTier(called: CalledBy, query: string): 0 | 1 | 2 | undefined {
  if (!query) return undefined;
  if (called.phrases.includes(query)) return 0;
  const padded = ` ${query} `;
  if (called.phrases.some((phrase) => ` ${phrase} `.includes(padded))) return 1;
  if (query.split(' ').every((word) => called.words.has(word))) return 2;
  return undefined;
}
