import type { Command } from 'commander';
import { loadCatalog, type Catalog, type CatalogEntry } from '../catalog/index.js';
import { UsageError } from '../errors.js';

interface LookupFlags {
  json?: boolean;
  list?: boolean;
}

export function registerLookup(program: Command): void {
  program
    .command('lookup')
    .description('Explain an Auth0 log event code, or search the codes by keyword')
    .argument('[query...]', 'a code (pwd_leak, `fcoa`, /limit_wc) or keywords ("breached password")')
    .option('--json', 'print JSON only: the entry, or an array of matches best first')
    .option('--list', 'print the whole catalog (a table, or one JSON array with --json)')
    .addHelpText(
      'after',
      '\nExamples:\n  auth0-log-alerts lookup pwd_leak\n  auth0-log-alerts lookup blocked ip --json\n  auth0-log-alerts lookup --list --json\n\nExit codes: 0 found, 1 nothing matches, 2 usage error.',
    )
    .action((words: string[], flags: LookupFlags) => {
      process.exitCode = runLookup(loadCatalog(), words.join(' ').trim(), flags);
    });
}

/** Prints the lookup result and returns the exit code (0 found, 1 nothing matches). */
export function runLookup(catalog: Catalog, query: string, flags: LookupFlags): number {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (flags.list) {
    if (query) throw new UsageError(`--list takes no query (got '${query}')`);
    out(flags.json ? JSON.stringify(catalog.all(), null, 2) : formatTable(catalog.all()));
    return 0;
  }
  if (!query) throw new UsageError('lookup needs a code or keywords, or --list (see lookup --help)');

  const exact = catalog.get(query);
  if (exact) {
    out(flags.json ? JSON.stringify(exact, null, 2) : formatEntry(exact));
    return 0;
  }
  const matches = catalog.search(query).map((m) => m.entry);
  if (matches.length > 0) {
    out(flags.json ? JSON.stringify(matches, null, 2) : formatMatchLines(matches));
    return 0;
  }
  if (flags.json) out('[]');
  const suggestions = catalog.suggest(query);
  process.stderr.write(
    `no log event code matches '${query}'` +
      (suggestions.length ? ` — did you mean ${suggestions.map((code) => `'${code}'`).join(', ')}?` : '') +
      '\n',
  );
  return 1;
}

function flagsOf(entry: CatalogEntry): string[] {
  return [entry.legacy ? 'legacy' : '', entry.privateCloudOnly ? 'Managed Private Cloud only' : ''].filter(Boolean);
}

export function formatEntry(entry: CatalogEntry): string {
  const rows: [string, string][] = [
    ['category', entry.category],
    ['outcome', entry.outcome],
    ['severity', entry.severity],
    ['docs', entry.docsUrl ?? '(none)'],
  ];
  const flags = flagsOf(entry);
  if (flags.length) rows.push(['flags', flags.join(', ')]);
  return [
    `${entry.code} — ${entry.name}`,
    `  ${entry.description}`,
    ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(10)} ${value}`),
  ].join('\n');
}

function formatMatchLines(entries: readonly CatalogEntry[]): string {
  const width = Math.max(...entries.map((e) => e.code.length));
  return entries.map((e) => `${e.code.padEnd(width)}  ${e.name} (${e.category}, ${e.severity})`).join('\n');
}

function formatTable(entries: readonly CatalogEntry[]): string {
  const codeWidth = Math.max(4, ...entries.map((e) => e.code.length));
  const header = `${'CODE'.padEnd(codeWidth)}  ${'SEVERITY'.padEnd(8)}  ${'CATEGORY'.padEnd(36)}  NAME`;
  const lines = entries.map(
    (e) => `${e.code.padEnd(codeWidth)}  ${e.severity.padEnd(8)}  ${e.category.padEnd(36)}  ${e.name}${e.legacy ? ' (legacy)' : ''}${e.privateCloudOnly ? ' (Private Cloud)' : ''}`,
  );
  return [header, ...lines].join('\n');
}
