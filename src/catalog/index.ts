import Fuse, { type IFuseOptions } from 'fuse.js';
import { CATALOG_DATA } from './data.js';
import { calledBy, expandSynonyms, keywordTier, type CalledBy } from './rank.js';
import type { Catalog, CatalogEntry, CatalogMatch } from './types.js';

export type { Catalog, CatalogEntry, CatalogMatch, Outcome, Severity } from './types.js';
export { CatalogEntrySchema, OutcomeSchema, SeveritySchema } from './types.js';

/** Options for building a catalog; tests may pass their own entries. */
export interface CatalogOptions {
  /** The entries to index. @default CATALOG_DATA (every known Auth0 code) */
  entries: readonly CatalogEntry[];
  /** Results `search` returns when the caller gives no limit. @default 10 */
  searchLimit: number;
  /** Codes `suggest` returns when the caller gives no limit. @default 3 */
  suggestLimit: number;
}

export const DEFAULT_CATALOG_OPTIONS: CatalogOptions = {
  entries: CATALOG_DATA,
  searchLimit: 10,
  suggestLimit: 3,
};

function normalizeCatalogOptions(options: Partial<CatalogOptions>): CatalogOptions {
  return { ...DEFAULT_CATALOG_OPTIONS, ...options };
}

/**
 * The code a user most likely meant: people paste codes from Slack (`pwd_leak`),
 * type them as slash commands (/fcoa) or in caps.
 */
export function normalizeCode(query: string): string {
  return query
    .replace(/^[\s`'"/]+/, '')
    .replace(/[\s`'"]+$/, '')
    .toLowerCase();
}

/** Searchable view of an entry: code parts as words so "send sms" finds gd_send_sms. */
interface SearchDoc {
  entry: CatalogEntry;
  code: string;
  codeWords: string;
  /** The code without separators, so "pwdleak" and "limit-wc" land on pwd_leak and limit_wc. */
  compactCode: string;
  name: string;
  description: string;
  category: string;
  keywords: string[];
  calledBy: CalledBy;
}

const compact = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');

// Token search (TF-IDF over words, fuzzy per word) suits "breached password";
// every query word must match somewhere so adding a word narrows the list.
const SEARCH_OPTIONS: IFuseOptions<SearchDoc> = {
  keys: [
    { name: 'code', weight: 3 },
    { name: 'codeWords', weight: 2 },
    { name: 'name', weight: 3 },
    { name: 'keywords', weight: 3 },
    { name: 'category', weight: 1.5 },
    { name: 'description', weight: 1 },
  ],
  useTokenSearch: true,
  tokenMatch: 'all',
  includeScore: true,
  ignoreLocation: true,
  threshold: 0.3,
};

// Typo suggestions compare the whole query against codes, not words.
const SUGGEST_OPTIONS: IFuseOptions<SearchDoc> = {
  keys: [
    { name: 'code', weight: 1 },
    { name: 'compactCode', weight: 1 },
  ],
  includeScore: true,
  ignoreLocation: true,
  threshold: 0.4,
};

/** Builds a catalog over the given entries; most callers want the shared `loadCatalog()`. */
export function createCatalog(options: Partial<CatalogOptions> = {}): Catalog {
  const { entries, searchLimit, suggestLimit } = normalizeCatalogOptions(options);
  const sorted = [...entries].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const byCode = new Map(sorted.map((entry) => [entry.code, entry]));
  const docs: SearchDoc[] = sorted.map((entry) => ({
    entry,
    code: entry.code,
    codeWords: entry.code.replace(/_/g, ' '),
    compactCode: compact(entry.code),
    name: entry.name,
    description: entry.description,
    category: entry.category,
    keywords: [...(entry.keywords ?? [])],
    calledBy: calledBy(entry.name, entry.keywords ?? []),
  }));
  // Fuse indexes are built on first use: the engine only needs get().
  let searchIndex: Fuse<SearchDoc> | undefined;
  let suggestIndex: Fuse<SearchDoc> | undefined;

  const get = (query: string): CatalogEntry | undefined => byCode.get(normalizeCode(query));

  return {
    get,
    all: () => sorted,
    search(query, limit = searchLimit) {
      const text = normalizeCode(query);
      if (!text || limit <= 0) return [];
      searchIndex ??= new Fuse(docs, SEARCH_OPTIONS);
      const exact = get(text);
      const phrase = expandSynonyms(text);
      const fuzzy = new Map<SearchDoc, number>();
      for (const result of searchIndex.search(phrase)) fuzzy.set(result.item, result.score ?? 1);
      return rankMatches(docs, phrase, fuzzy, exact).slice(0, limit);
    },
    suggest(query, limit = suggestLimit) {
      const text = normalizeCode(query);
      if (!text || limit <= 0) return [];
      suggestIndex ??= new Fuse(docs, SUGGEST_OPTIONS);
      // Separators people type instead of "_" ("limit-wc", "pwd leak") are not typos.
      const asCode = text.replace(/[\s\-.]+/g, '_');
      const exact = byCode.get(asCode);
      const found = suggestIndex.search(asCode, { limit: limit + 1 }).map((r) => r.item.code);
      const codes = exact ? [exact.code, ...found.filter((code) => code !== exact.code)] : found;
      return codes.slice(0, limit);
    },
  };
}

/** Fuzzy-only matches this bad are letter noise ("spam" ~ "sync") once anything matches well. */
const FUZZY_NOISE = 0.9;
const GOOD_FUZZY = 0.5;

/**
 * Best first: the exact code; then codes whose keywords or name hold the
 * query, by tier (rank.ts) and fuzzy score; then the other fuzzy matches.
 * Scores stay in [0, 1] and ascend with the order: tier t maps into
 * [t/10, (t+1)/10), fuzzy-only matches into [0.3, 1].
 */
function rankMatches(docs: readonly SearchDoc[], phrase: string, fuzzy: ReadonlyMap<SearchDoc, number>, exact: CatalogEntry | undefined): CatalogMatch[] {
  const ranked: Array<{ doc: SearchDoc; score: number }> = [];
  for (const doc of docs) {
    if (doc.entry === exact) continue;
    const tier = keywordTier(doc.calledBy, phrase);
    const score = fuzzy.get(doc);
    if (tier !== undefined) ranked.push({ doc, score: (tier + Math.min(score ?? 1, 0.999)) / 10 });
    else if (score !== undefined) ranked.push({ doc, score: 0.3 + 0.7 * score });
  }
  ranked.sort((a, b) => a.score - b.score || (a.doc.code < b.doc.code ? -1 : 1));
  const anyGood = exact !== undefined || ranked.some((item) => item.score < 0.3 + 0.7 * GOOD_FUZZY);
  const kept = anyGood ? ranked.filter((item) => item.score < 0.3 + 0.7 * FUZZY_NOISE) : ranked;
  const matches: CatalogMatch[] = exact ? [{ entry: exact, score: 0 }] : [];
  for (const item of kept) matches.push({ entry: item.doc.entry, score: item.score });
  return matches;
}

let shared: Catalog | undefined;

/** The catalog of every known Auth0 log event code, built once per process. */
export function loadCatalog(): Catalog {
  shared ??= createCatalog();
  return shared;
}
