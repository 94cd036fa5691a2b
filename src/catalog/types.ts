import { z } from 'zod';

export const SeveritySchema = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;

export const OutcomeSchema = z.enum(['success', 'failure', 'warning', 'info']);
export type Outcome = z.infer<typeof OutcomeSchema>;

/** One Auth0 log event type code, as the on-call engineer needs to know it. */
export const CatalogEntrySchema = z.object({
  code: z.string(),
  name: z.string(),
  description: z.string(),
  /** Human category, e.g. "login failure", "MFA", "rate limit / anomaly detection". */
  category: z.string(),
  outcome: OutcomeSchema,
  /** Suggested default severity when a rule watches this code. */
  severity: SeveritySchema,
  /** Absolute https://auth0.com/docs/… link, or null where the sources give none. */
  docsUrl: z.string().url().nullable(),
  /** Deprecated / legacy features. */
  legacy: z.boolean(),
  /** Only emitted by Managed Private Cloud deployments. */
  privateCloudOnly: z.boolean(),
  /** The source categories (catalog:…, stream-filter:…) from Auth0's lists. */
  sourceCategories: z.array(z.string()),
  /** What people call it: feature names and everyday words ("Suspicious IP Throttling", "locked out"); searched first. */
  keywords: z.array(z.string()).default([]),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export interface CatalogMatch {
  entry: CatalogEntry;
  /** 0 = perfect; higher = worse (Fuse.js convention). */
  score: number;
}

/** The catalog of every Auth0 log event code; loaded once, shared by everything. */
export interface Catalog {
  /** Exact lookup, O(1); tolerant of case, whitespace, backticks and a leading slash. */
  get(query: string): CatalogEntry | undefined;
  /** Every entry, sorted by code. */
  all(): readonly CatalogEntry[];
  /** Keyword search over code, name, description and category, best first. */
  search(query: string, limit?: number): CatalogMatch[];
  /** Codes close to a probable typo ("pwdleak" → "pwd_leak"), best first. */
  suggest(query: string, limit?: number): string[];
}
