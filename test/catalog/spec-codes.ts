import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The copies of Auth0's code lists the catalog was built from (a clone has no ../shared). */
const SPEC_DIR = fileURLToPath(new URL('../fixtures/spec/', import.meta.url));
const read = (file: string) => readFileSync(`${SPEC_DIR}${file}`, 'utf8');

export interface MarkdownCode {
  code: string;
  /** The first link of the row's "Additional Info" cell, as written (relative). */
  link: string | null;
  privateCloudOnly: boolean;
}

/** Every table row of auth0-log-event-codes.md, with its section. */
export function markdownCodes(): MarkdownCode[] {
  let privateCloudOnly = false;
  const codes: MarkdownCode[] = [];
  for (const line of read('auth0-log-event-codes.md').split('\n')) {
    if (/^#+ Managed Private Cloud Only/.test(line)) privateCloudOnly = true;
    const row = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    if (!row?.[1]) continue;
    const info = line.split('|')[4] ?? '';
    codes.push({ code: row[1], link: /\]\(([^)]+)\)/.exec(info)?.[1] ?? null, privateCloudOnly });
  }
  return codes;
}

function tsvRows(file: string): string[][] {
  return read(file)
    .split('\n')
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => line.split('\t'));
}

/** Codes of auth0-log-codes-newer.tsv. */
export function newerCodes(): string[] {
  return tsvRows('auth0-log-codes-newer.tsv').map(([code = '']) => code.trim());
}

/** code → source categories from auth0-log-codes-categories.tsv. */
export function sourceCategories(): Map<string, string[]> {
  return new Map(
    tsvRows('auth0-log-codes-categories.tsv').map(([code = '', cats = '']) => [
      code.trim(),
      cats.split(';').map((c) => c.trim()).filter(Boolean),
    ]),
  );
}
